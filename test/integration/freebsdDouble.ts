/**
 * Shared set-up for the tests of the FreeBSD backend's real FFI path, on
 * Linux: ffi.ts loads native/jailtest/libjailtest.so (FreeBSD's jail/mount
 * ABI, in memory) via $RUNJ_FREEBSD_LIBC, and the tests read back what
 * crossed the boundary. Not a .test.ts file: vitest does not collect it.
 *
 * The double is one process-global C library, so every test file calls
 * useDouble() to reset it before each test (files run one at a time:
 * fileParallelism is false in vitest.config.ts).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { buildPlan } from '../../src/plan/build.js';
import { emptyPolicy } from '../../src/plan/policy.js';
import type { Spec } from '../../src/plan/spec.js';
import { koffi } from '../../src/core/koffi.js';
import type { CommandRunner } from '../../src/platform/freebsd/commands.js';
import * as ffi from '../../src/platform/freebsd/ffi.js';
import { JAIL_CREATE, encodeParams } from '../../src/platform/freebsd/iov.js';
import type { Host } from '../../src/platform/freebsd/system.js';
import { type FreeBSDPlan, planFreeBSD } from '../../src/platform/freebsd/translate.js';

const ROOT = path.resolve(__dirname, '../..');
const LIB = path.join(ROOT, 'native/jailtest/libjailtest.so');

// biome-ignore lint/suspicious/noExplicitAny: koffi functions
export let t: Record<string, any>;
export let tmp: string;
export let rootfs: string;
/** Every command run through host().run, as "name arg...". */
export let commands: string[];
/** What `ifconfig IF` prints, by interface. */
export let ifconfigOutput: Record<string, string>;
let failCommand: string | undefined;

/** Makes the commands starting with `prefix` fail, for the rest of the test. */
export const failOn = (prefix: string | undefined): void => {
  failCommand = prefix;
};

export const log = (): string => t.log();
export const state = (): string => t.state();
export const str = (s: string) => Buffer.from(`${s}\0`);

const run: CommandRunner = (file, args) => {
  const line = [path.basename(file), ...args].join(' ');
  commands.push(line);
  if (failCommand && line.startsWith(failCommand)) return { status: 1, stdout: '', stderr: `${path.basename(file)}: failed on purpose\n` };
  if (path.basename(file) === 'ifconfig' && args.length === 1) return { status: 0, stdout: ifconfigOutput[args[0] as string] ?? '', stderr: '' };
  return { status: 0, stdout: '', stderr: '' };
};

export function host(): Host {
  return { sys: ffi, run, rundir: path.join(tmp, 'run'), sleep: () => {} };
}

/** Loads the double, and resets it and a fresh temp dir before each test of the calling file. */
export function useDouble(): void {
  beforeAll(() => {
    // make rebuilds a library older than its sources (a stale double misleads every test here).
    execFileSync('make', ['-s', '-C', path.join(ROOT, 'native/jailtest')], { stdio: 'inherit' });
    process.env.RUNJ_FREEBSD_LIBC = LIB;
    const lib = koffi().load(LIB);
    t = {
      log: lib.func('const char *jailtest_log(void)'),
      state: lib.func('const char *jailtest_state(void)'),
      reset: lib.func('void jailtest_reset(void)'),
      failNext: lib.func('void jailtest_fail_next(const char *fn, int err, const char *msg)'),
      failAfter: lib.func('void jailtest_fail_after(const char *fn, int skip, int err, const char *msg)'),
      addProc: lib.func('void jailtest_add_proc(int pid, int jid, long long sec, long long usec, int stat)'),
      kinfoSize: lib.func('void jailtest_set_kinfo_size(int size)'),
      setCaller: lib.func('void jailtest_set_caller(const char *name)'),
      stepClock: lib.func('void jailtest_step_clock(long long sec, int after)'),
      setRacct: lib.func('void jailtest_set_racct(int enable)'),
      setRacctUsage: lib.func('void jailtest_set_racct_usage(const char *usage)'),
      rctl: lib.func('const char *jailtest_rctl(void)'),
      swapOnNmount: lib.func('void jailtest_swap_on_nmount(const char *dir, const char *target, int back)'),
    };
  });
  afterAll(() => {
    delete process.env.RUNJ_FREEBSD_LIBC;
  });
  beforeEach(() => {
    t.reset();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-ffi-'));
    rootfs = path.join(tmp, 'bundle', 'rootfs');
    fs.mkdirSync(path.join(rootfs, 'etc'), { recursive: true });
    fs.mkdirSync(path.join(tmp, 'data'));
    fs.writeFileSync(path.join(tmp, 'hosts'), '127.0.0.1 localhost\n');
    commands = [];
    ifconfigOutput = {};
    failCommand = undefined;
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));
}

export function spec(patch: (s: Spec) => void = () => {}): Spec {
  const s: Spec = {
    ociVersion: '1.3.0',
    process: { user: { uid: 0, gid: 0 }, args: ['/bin/sh'], cwd: '/' },
    root: { path: 'rootfs' },
    hostname: 'web',
    mounts: [
      { destination: '/dev', type: 'devfs', source: 'devfs', options: ['ruleset=4'] },
      { destination: '/data', source: path.join(tmp, 'data'), options: ['bind', 'ro'] },
      { destination: '/etc/hosts', source: path.join(tmp, 'hosts'), options: ['bind'] },
    ],
  };
  patch(s);
  return s;
}

export function plan(s: Spec, policy = emptyPolicy): FreeBSDPlan {
  return planFreeBSD(buildPlan('c1', path.join(tmp, 'bundle'), s, { noPivot: false, noNewKeyring: false, preserveFds: 0 }), policy, undefined, {
    rundir: path.join(tmp, 'run'),
  });
}

export const jailLines = () => state().split('\n').filter((l) => l.startsWith('jail '));
export const mountLines = () => state().split('\n').filter((l) => l.startsWith('mount '));

/** A persistent jail made straight through jail_set(2). */
export const create = (name: string, extra: Parameters<typeof encodeParams>[0] = []) =>
  ffi.jailSet(encodeParams([{ name: 'name', type: 'string', value: name }, { name: 'persist', type: 'bool', value: true }, ...extra]), JAIL_CREATE);
export const childrenMax = (value: number) => ({ name: 'children.max', type: 'int' as const, value });
