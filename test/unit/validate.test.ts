// Run after `node build/compile-schemas.mjs` (validate.ts imports src/generated/validators.js).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as semantic from '../../src/plan/semantic.js';
import type { Process, Spec } from '../../src/plan/spec.js';
import {
  validateConfigDocument,
  validateFeaturesDocument,
  validateProcessDocument,
  validateStateDocument,
} from '../../src/plan/validate.js';
import { RuntimeError } from '../../src/core/errors.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'config');
const readJson = (...parts: string[]): unknown => JSON.parse(readFileSync(join(FIXTURES, ...parts), 'utf8'));
const fixtureNames = (kind: 'good' | 'bad') =>
  readdirSync(join(FIXTURES, kind)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
/** Bad fixture name -> the line its message must start with, after "config.json: ". */
const { $comment: _, ...BAD } = readJson('bad-expected.json') as Record<string, string>;

/** The ECONFIG error `fn` throws; fails the test if it throws nothing or something else. */
function configError(fn: () => unknown): RuntimeError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as RuntimeError).code).toBe('ECONFIG');
    return err as RuntimeError;
  }
  throw new Error('expected an ECONFIG error, nothing was thrown');
}
const lines = (err: RuntimeError): string[] => err.message.split('\n');
/** Some line of the message starts with `prefix`. */
function expectLine(err: RuntimeError, prefix: string): void {
  expect(lines(err).some((l) => l.startsWith(prefix)), `${err.message}\n  should have a line starting with\n${prefix}`).toBe(true);
}

const proc = (over: Partial<Process> = {}): Process => ({ user: { uid: 0, gid: 0 }, args: ['sh'], cwd: '/', ...over });
const spec = (over: Partial<Spec> = {}): Spec => ({ ociVersion: '1.3.0', root: { path: 'rootfs' }, process: proc(), ...over });

describe('config.json fixtures', () => {
  it.each(fixtureNames('good'))('accepts good/%s.json', (name) => {
    expect(() => validateConfigDocument(readJson('good', `${name}.json`))).not.toThrow();
  });

  it('pairs every bad fixture with an expected message', () => {
    expect(Object.keys(BAD).sort()).toEqual(fixtureNames('bad'));
  });

  it.each(Object.entries(BAD))('rejects bad/%s.json', (name, expected) => {
    expectLine(configError(() => validateConfigDocument(readJson('bad', `${name}.json`))), `config.json: ${expected}`);
  });
});

describe('error reporting', () => {
  it('names the given file and lists at most 5 problems, deepest first', () => {
    const doc = { ociVersion: 1, mounts: [{}, {}, {}], process: { args: [1, 2], cwd: 3 }, hostname: 4 };
    const err = configError(() => validateConfigDocument(doc, '/b/config.json'));
    expect(lines(err)).toEqual([
      '/b/config.json: /process/args/0: must be a string',
      '/b/config.json: /process/args/1: must be a string',
      "/b/config.json: /mounts/0: must have required property 'destination'",
      "/b/config.json: /mounts/1: must have required property 'destination'",
      "/b/config.json: /mounts/2: must have required property 'destination'",
      '/b/config.json: ... and 3 more problems',
    ]);
    expect(err.details?.problems).toHaveLength(8);
  });

  it('drops the anyOf / if / propertyNames wrappers ajv adds', () => {
    const one = (doc: unknown) => lines(configError(() => validateConfigDocument(doc)));
    expect(one(spec({ linux: { resources: { rdma: { m: {} } } } }))).toHaveLength(1);
    expect(one(spec({ linux: { devices: [{ type: 'c', path: '/dev/x' }] } })).join('\n')).not.toMatch(/must match/);
    expect(one(spec({ annotations: { '': 'v' } }))).toEqual(["config.json: /annotations: key '' must not be empty"]);
  });

  it('escapes JSON pointers', () => {
    const err = configError(() => validateConfigDocument(spec({ annotations: { 'a/b~c': 1 as unknown as string } })));
    expect(err.message).toBe('config.json: /annotations/a~1b~0c: must be a string');
    expect(semantic.pointer('linux', 'sysctl', 'a/b~c')).toBe('/linux/sysctl/a~1b~0c');
  });
});

describe('config.json results', () => {
  it('defaults a missing process.user to uid 0, gid 0 without touching the input', () => {
    const doc = { ociVersion: '1.2.0', process: { args: ['sh'], cwd: '/' } };
    expect(validateConfigDocument(doc).process?.user).toEqual({ uid: 0, gid: 0 });
    expect(doc.process).not.toHaveProperty('user');
  });

  it('accepts ociVersion 1.0.0 to 1.3.x and their prereleases only', () => {
    for (const v of ['1.0.0', '1.0.0-rc5', '1.0.2-dev', '1.2.1', '1.3.0-rc.1+build.7', '1.3.12']) {
      expect(semantic.ociVersionSupported(spec({ ociVersion: v })), v).toEqual([]);
    }
    for (const v of ['0.9.9', '1.4.0', '1.4.0-rc.1', '1.10.0', '2.0.0', 'v1.3.0', '1.3']) {
      expect(semantic.ociVersionSupported(spec({ ociVersion: v })), v).toHaveLength(1);
    }
  });

  it('requireProcess returns the process or throws ECONFIG', () => {
    const s = spec();
    expect(semantic.requireProcess(s)).toBe(s.process);
    const bare = validateConfigDocument(readJson('good', 'minimal-no-process.json'));
    const err = configError(() => semantic.requireProcess(bare, 'b/config.json'));
    expect(err.message).toBe("b/config.json: must have required property 'process' (the container's program)");
  });
});

const S = semantic;
const linux = (l: Spec['linux']) => spec({ linux: l });
const jail = (j: NonNullable<Spec['freebsd']>['jail']) => spec({ freebsd: { jail: j } });
const ABS = 'must be an absolute path';
/** A failing input for every semantic check: [check, input, pointer of the first problem, start of its message]. */
const SPEC_CASES: Array<[semantic.SpecCheck, Spec, string, string]> = [
  [S.ociVersionSupported, spec({ ociVersion: '1.4.0' }), '/ociVersion', 'unsupported version 1.4.0'],
  [S.mountDestinationsAbsolute, spec({ mounts: [{ destination: '' }] }), '/mounts/0/destination', ABS],
  [S.hookPathsAbsolute, spec({ hooks: { startContainer: [{ path: 'x' }] } }), '/hooks/startContainer/0/path', ABS],
  [S.hookTimeoutsPositive, spec({ hooks: { prestart: [{ path: '/x', timeout: -1 }] } }), '/hooks/prestart/0/timeout', 'must be greater than zero'],
  [S.processRules, spec({ process: proc({ cwd: '.' }) }), '/process/cwd', ABS],
  [S.namespaceTypesUnique, linux({ namespaces: [{ type: 'uts' }, { type: 'uts' }] }), '/linux/namespaces/1/type', 'duplicate namespace type uts'],
  [S.namespacePathsAbsolute, linux({ namespaces: [{ type: 'ipc', path: '' }] }), '/linux/namespaces/0/path', ABS],
  [S.idMappingsNeedUserNamespace, linux({ gidMappings: [{}] }), '/linux/gidMappings', 'requires a user namespace'],
  [S.sysctlNamesWellFormed, linux({ sysctl: { 'kernel.': '1' } }), '/linux/sysctl/kernel.', 'is not a well-formed sysctl name'],
  [S.maskedAndReadonlyPathsAbsolute, linux({ readonlyPaths: ['/a', 'b'] }), '/linux/readonlyPaths/1', ABS],
  [S.jailAddressesValid, jail({ ip4Addr: ['::1'] }), '/freebsd/jail/ip4Addr/0', 'must be a literal IPv4 address'],
  [S.jailHostInheritWithoutNames, { ...jail({ host: 'inherit' }), domainname: 'x.test' }, '/domainname', 'must not be set when'],
  [S.jailEnforceStatfsInRange, jail({ enforceStatfs: -1 }), '/freebsd/jail/enforceStatfs', 'must be 0, 1 or 2'],
  [S.freebsdDevicePathsRelative, spec({ freebsd: { devices: [{ path: 'a/../../b' }] } }), '/freebsd/devices/0/path', 'must be a path relative'],
  [S.processPresent, spec({ process: undefined }), '', "must have required property 'process'"],
];
const rlimit = (type: string) => ({ type, soft: 1, hard: 1 });
const PROCESS_CASES: Array<[semantic.ProcessCheck, Process, string, string]> = [
  [S.argsNotEmpty, proc({ args: [] }), '/args', 'must contain at least one argument'],
  [S.cwdAbsolute, proc({ cwd: 'tmp' }), '/cwd', ABS],
  [S.envWellFormed, proc({ env: ['A=1', '=x', 'B'] }), '/env/1', 'must be a KEY=VALUE string with a non-empty KEY'],
  [S.rlimitTypesUnique, proc({ rlimits: [rlimit('RLIMIT_AS'), rlimit('RLIMIT_AS')] }), '/rlimits/1/type', 'duplicate rlimit RLIMIT_AS'],
  [S.capabilityNamesWellFormed, proc({ capabilities: { ambient: ['CAP_KILL', 'KILL'] } }), '/capabilities/ambient/1', 'must be a capability'],
  [S.additionalGidsBounded, proc({ user: { uid: 0, gid: 0, additionalGids: Array.from({ length: 65537 }, (_, i) => i) } }), '/user/additionalGids', 'at most 65536 groups (NGROUPS_MAX)'],
];

describe('semantic checks', () => {
  it('has a case for every check in SEMANTIC_CHECKS and PROCESS_CHECKS', () => {
    const tested = new Set([...SPEC_CASES, ...PROCESS_CASES].map(([check]) => check));
    const untested = [...S.SEMANTIC_CHECKS, ...S.PROCESS_CHECKS].filter((c) => !tested.has(c));
    expect(untested.map((c) => c.name)).toEqual([]);
  });

  it.each(SPEC_CASES.map((c) => [c[0].name, ...c] as const))('%s', (_name, check, input, ptr, msg) => {
    const [first] = check(input);
    expect(first?.pointer).toBe(ptr);
    expect(first?.message.startsWith(msg), first?.message).toBe(true);
    expect(check(spec())).toEqual([]);
  });

  it.each(PROCESS_CASES.map((c) => [c[0].name, ...c] as const))('%s', (_name, check, input, ptr, msg) => {
    expect(check(input, '/process')[0]).toMatchObject({ pointer: `/process${ptr}` });
    expect(check(input, '')[0]?.message.startsWith(msg)).toBe(true);
    expect(check(proc({ env: ['A=', 'B=c=d'], capabilities: { bounding: ['CAP_SYS_ADMIN'] } }), '')).toEqual([]);
  });
});

describe('process files (exec --process)', () => {
  const full = (readJson('good', 'linux-full.json') as Spec).process;

  it('accepts a full process and defaults the user', () => {
    expect(validateProcessDocument(full, 'p.json')).toEqual(full);
    expect(validateProcessDocument({ args: ['ls'], cwd: '/' }, 'p.json').user).toEqual({ uid: 0, gid: 0 });
  });

  it.each([
    [[], 'p.json: must be an object'],
    [{ args: ['ls'] }, "p.json: must have required property 'cwd'"],
    [{ args: ['ls'], cwd: '/', env: ['X'] }, 'p.json: /env/0: must be a KEY=VALUE string with a non-empty KEY'],
    [{ args: [], cwd: '/' }, 'p.json: /args: must contain at least one argument'],
    [{ args: ['ls'], cwd: 'rel' }, 'p.json: /cwd: must be an absolute path (got "rel")'],
    [{ args: ['ls'], cwd: '/', capabilities: { bounding: ['CAP_1'] } }, 'p.json: /capabilities/bounding/0: must be a capability name'],
  ])('rejects %j', (doc, expected) => {
    expectLine(configError(() => validateProcessDocument(doc, 'p.json')), expected);
  });
});

describe('state documents', () => {
  const state = { ociVersion: '1.3.0', id: 'web-1', status: 'running', pid: 4422, bundle: '/run/bundles/web-1' };

  it.each([
    state,
    { ...state, status: 'created', annotations: { 'org.example': '' } },
    { ...state, status: 'stopped', pid: undefined },
    { ...state, status: 'paused' },
  ])('accepts %j', (doc) => {
    expect(validateStateDocument(doc)).toBe(doc);
  });

  it.each([
    [{ ...state, pid: undefined }, "state.json: must have required property 'pid'"],
    [{ ...state, status: 'exploded' }, "state.json: /status: must be one of 'creating', 'created', 'running', 'stopped', 'paused'"],
    [{ ...state, bundle: 'rel/dir' }, 'state.json: /bundle: must be an absolute path'],
    [{ ...state, id: '..' }, 'state.json: /id: must be a container ID'],
    [{ ...state, id: 'a/b' }, 'state.json: /id: must be a container ID'],
    [{ ...state, pid: -1 }, 'state.json: /pid: must be a process ID'],
    [{ ...state, ociVersion: 'latest' }, 'state.json: /ociVersion: must be a SemVer 2.0.0 version'],
    [{ id: 'x', status: 'stopped', bundle: '/b' }, "state.json: must have required property 'ociVersion'"],
  ])('rejects %j', (doc, expected) => {
    expectLine(configError(() => validateStateDocument(doc)), expected);
  });
});

describe('features documents', () => {
  const features = {
    ociVersionMin: '1.0.0',
    ociVersionMax: '1.3.0',
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: ['ro', 'nosuid'],
    annotations: { 'org.example.runj.version': '0.1.0' },
    potentiallyUnsafeConfigAnnotations: null,
    linux: {
      namespaces: ['pid', 'mount'],
      capabilities: ['CAP_CHOWN'],
      cgroup: { v1: false, v2: true, systemd: null },
      seccomp: { enabled: true, actions: ['SCMP_ACT_ALLOW'], operators: ['SCMP_CMP_EQ'], archs: ['SCMP_ARCH_X86_64'] },
      apparmor: null,
      selinux: { enabled: false },
      intelRdt: { enabled: false, schemata: false, monitoring: false },
      memoryPolicy: { modes: ['MPOL_BIND'], flags: [] },
      mountExtensions: { idmap: { enabled: true } },
      netDevices: { enabled: false },
    },
  };

  it('accepts a full document with nulls', () => {
    expect(validateFeaturesDocument(features)).toBe(features);
    expect(validateFeaturesDocument({ ociVersionMin: '1.0.0', ociVersionMax: '1.1.0' })).toBeTruthy();
  });

  it.each([
    [{ ociVersionMin: '1.1.0' }, "features.json: must have required property 'ociVersionMax'"],
    [{ ...features, runtime: 'runj' }, "features.json: must not have property 'runtime'"],
    [{ ...features, hooks: ['preStart'] }, "features.json: /hooks/0: must be one of 'prestart',"],
    [{ ...features, linux: { namespaces: ['net'] } }, "features.json: /linux/namespaces/0: must be one of 'pid',"],
    [{ ...features, linux: { capabilities: ['chown'] } }, 'features.json: /linux/capabilities/0: must be a capability name'],
    [{ ...features, linux: { seccomp: { actions: ['ALLOW'] } } }, "features.json: /linux/seccomp/actions/0: must be one of 'SCMP_ACT_KILL',"],
  ])('rejects %j', (doc, expected) => {
    expectLine(configError(() => validateFeaturesDocument(doc)), expected);
  });
});

describe('user ids', () => {
  // 4294967295 is (uid_t)-1: setuid/setgid treat it as "leave unchanged", so the
  // process would keep running as root.
  it.each([
    ['/process/user/uid', { uid: 4294967295, gid: 0 }],
    ['/process/user/gid', { uid: 0, gid: 4294967295 }],
    ['/process/user/additionalGids/1', { uid: 0, gid: 0, additionalGids: [5, 4294967295] }],
  ])('refuses (uid_t)-1 in %s', (pointer, user) => {
    expectLine(configError(() => validateConfigDocument(spec({ process: proc({ user }) }))), `config.json: ${pointer}: must be an integer from 0 to 4294967294`);
    expectLine(configError(() => validateProcessDocument(proc({ user }), 'p.json')), `p.json: ${pointer.slice('/process'.length)}: must be an integer from 0 to 4294967294`);
  });

  it('accepts 4294967294', () => {
    expect(validateConfigDocument(spec({ process: proc({ user: { uid: 4294967294, gid: 4294967294 } }) })).process?.user.uid).toBe(4294967294);
  });
});

describe('supplementary groups', () => {
  it('refuses more than NGROUPS_MAX (65536) additionalGids, naming the field', () => {
    const user = { uid: 0, gid: 0, additionalGids: Array.from({ length: 65537 }, (_, i) => i) };
    expectLine(configError(() => validateConfigDocument(spec({ process: proc({ user }) }))), 'config.json: /process/user/additionalGids: at most 65536 groups (NGROUPS_MAX), got 65537');
    user.additionalGids.pop();
    expect(validateConfigDocument(spec({ process: proc({ user }) })).process?.user.additionalGids).toHaveLength(65536);
  });
});
