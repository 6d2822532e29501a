import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Spec } from '../../src/plan/spec.js';
import { type CommandRunner, devfsControl } from '../../src/platform/freebsd/commands.js';
import {
  DEFAULT_OPEN_RULES, type DevfsPolicy, REFUSED_DEVICES, buildRuleset, checkRequestedRule, deviceRule, parseRule, tokenizeRule,
} from '../../src/platform/freebsd/devfs.js';
import { allocateRuleset } from '../../src/platform/freebsd/devfsRulesets.js';
import { globMatch, globsOverlap } from '../../src/platform/freebsd/glob.js';
import { DEFAULT_FREEBSD_POLICY } from '../../src/platform/freebsd/policy.js';
import { errorOf, fplan, freebsdSpec, policyOf } from './freebsdFixtures.js';

const policy = (p: Partial<DevfsPolicy> = {}): DevfsPolicy => ({ ...DEFAULT_FREEBSD_POLICY.devfs, ...p });

describe('globs', () => {
  it.each<[string, string, boolean]>([
    ['ada*', 'ada0', true],
    ['ada*', 'da0', false],
    ['da?', 'da1', true],
    ['da?', 'da10', false],
    ['[bc]d*', 'cd0', true],
    ['[!b]d0', 'cd0', true],
    ['[!c]d0', 'cd0', false],
    ['tty[a-f]0', 'ttyc0', true],
    ['tty[a-f]0', 'ttyz0', false],
    ['a\\*', 'a*', true],
    ['a\\*', 'ab', false],
    ['pts/*', 'pts/1', true],
    ['[', '[', true],
  ])('match(%s, %s) = %s', (p, n, m) => {
    expect(globMatch(p, n)).toBe(m);
  });
  it.each<[string, string, boolean]>([
    ['*', 'ada*', true],
    ['a*', 'ada*', true],
    ['ad?', 'ada*', true],
    ['d*', 'ada*', false],
    ['*0', 'mem', false],
    ['*m', 'mem', true],
    ['[a-c]da0', 'ada*', true],
    ['[!a]da0', 'ada*', false],
    ['[!a-c]*', 'da*', true],
    ['[!a-d]*', 'da*', false],
    ['pf', 'p*', true],
    ['pf', 'bpf*', false],
    ['*pf*', 'bpf*', true],
    ['usb/*', 'ugen*', false],
    ['gpt/*', 'gpt/*', true],
  ])('overlap(%s, %s) = %s', (a, b, o) => {
    expect(globsOverlap(a, b)).toBe(o);
    expect(globsOverlap(b, a)).toBe(o);
  });
});

describe('rule parsing', () => {
  it('tokenizes with quotes and drops a leading add', () => {
    expect(tokenizeRule(`add path 'pts/*' unhide`)).toEqual(['path', 'pts/*', 'unhide']);
    expect(tokenizeRule(`path "a b" hide`)).toEqual(['path', 'a b', 'hide']);
  });
  it.each([
    ['path pf unhide mode 0600', ['path', 'pf', 'unhide', 'mode', '0600']],
    ['type disk hide', ['type', 'disk', 'hide']],
    ['path tty* group tty mode 660', ['path', 'tty*', 'group', 'tty', 'mode', '660']],
    ['hide', ['hide']],
    ['include 4', ['include', '4']],
    ['path null user root', ['path', 'null', 'user', 'root']],
  ])('accepts %s', (text, tokens) => {
    expect(parseRule(text, 'w')).toEqual(tokens);
  });
  it.each([
    ['', 'empty rule'],
    ['path pf', 'no action'],
    ['path', 'path needs a pattern'],
    ['type floppy hide', 'type must be one of disk, mem, tape, tty'],
    ['path pf unhide mode 0999', 'mode needs an octal file mode'],
    ['100 path pf unhide', 'rule numbers are assigned by runj'],
    ['path pf hide unhide', 'both hide and unhide'],
    ['hide path pf', 'conditions must come before actions'],
    ['path a path b hide', '"path" given twice'],
    ['include x', 'include needs a ruleset number'],
    ['path pf unhide user', 'user needs a name or number'],
  ])('refuses %j', (text, message) => {
    expect(errorOf(() => parseRule(text, 'w'))).toContain(message);
  });
});

describe('policy on requested rules', () => {
  it.each(['path pf unhide', 'path fuse unhide', "path 'pts/*' unhide", 'path null mode 0666', 'path ada0 hide', 'type disk hide', 'path tun0 unhide'])(
    'allows %s',
    (text) => {
      expect(() => checkRequestedRule(parseRule(text, 'w'), policy(), 'w')).not.toThrow();
    },
  );
  it.each([
    ['path ada0 unhide', 'would expose ada* (a host disk)'],
    ['path da0p1 unhide', 'would expose da* (a host disk)'],
    ['path nda0 unhide', 'nda*'],
    ['path nvd0 unhide', 'nvd*'],
    ['path mem unhide', 'would expose mem (host memory)'],
    ['path kmem unhide', 'kmem'],
    ['path io unhide', 'io (host hardware or kernel access)'],
    ['path bpf unhide', 'bpf*'],
    ["path 'gpt/*' unhide", 'gpt/*'],
    ["path '*' unhide", 'would expose'],
    ['unhide', 'would expose'],
    ['type disk unhide', 'would expose ada*'],
    ['type mem unhide', 'would expose mem'],
    ['type tty unhide', 'would expose console'],
    ["path 'a*' unhide", 'would expose ada*'],
    ['path ttyv0 unhide', 'the host console or a host terminal line'],
  ])('refuses %s', (text, message) => {
    const m = errorOf(() => checkRequestedRule(parseRule(text, 'w'), policy(), 'config.json'));
    expect(m).toContain(`config.json: devfs rule "${text.replace(/'/g, '')}"`);
    expect(m).toContain(message);
    expect(m).toContain('under freebsd.devices in the host policy');
  });
  it('policy devices excuse a pattern given exactly, or a literal name the pattern matches', () => {
    const p = policy({ devices: ['da5', 'bpf*'] });
    expect(() => checkRequestedRule(['path', 'da5', 'unhide'], p, 'w')).not.toThrow();
    expect(() => checkRequestedRule(['path', 'bpf0', 'unhide'], p, 'w')).not.toThrow();
    expect(() => checkRequestedRule(['path', 'bpf*', 'unhide'], p, 'w')).not.toThrow();
    expect(errorOf(() => checkRequestedRule(['path', 'da*', 'unhide'], p, 'w'))).toContain('would expose da*');
    expect(errorOf(() => checkRequestedRule(['path', 'da6', 'unhide'], p, 'w'))).toContain('would expose da*');
  });
  it('policy deny adds refused patterns', () => {
    expect(errorOf(() => checkRequestedRule(['path', 'tun0', 'unhide'], policy({ deny: ['tun*'] }), 'w'))).toContain('tun* (refused by the host policy)');
  });
  it('include only of rulesets the policy allows', () => {
    expect(() => checkRequestedRule(['include', '4'], policy(), 'w')).not.toThrow();
    expect(errorOf(() => checkRequestedRule(['include', '0'], policy(), 'w'))).toContain('ruleset 0 is not one the host policy allows (freebsd.devfs.rulesets: 4, 5)');
  });
  it('every refused entry is refused by its own pattern', () => {
    for (const d of REFUSED_DEVICES) expect(() => checkRequestedRule(['path', d.pattern, 'unhide'], policy(), 'w')).toThrow(d.why);
  });
});

describe('freebsd.devices', () => {
  it('becomes path <p> unhide mode <octal>', () => {
    expect(deviceRule({ path: 'pf', mode: 448 }, 'w')).toEqual(['path', 'pf', 'unhide', 'mode', '0700']);
    expect(deviceRule({ path: 'usb/0.1.0' }, 'w')).toEqual(['path', 'usb/0.1.0', 'unhide']);
  });
  it.each(['/dev/pf', '../mem', 'a//b', 'a b', ''])('refuses path %j', (p) => {
    expect(errorOf(() => deviceRule({ path: p }, 'config.json: /freebsd/devices/0'))).toContain('config.json: /freebsd/devices/0/path');
  });
});

describe('the generated ruleset in a plan', () => {
  const withDevfs = (options: string[], patch: (s: Spec) => void = () => {}) =>
    freebsdSpec((s) => {
      s.mounts = [{ destination: '/dev', type: 'devfs', source: 'devfs', options }];
      patch(s);
    });
  it('open rules, then requested (ruleset include, rule= options, devices), then close rules', () => {
    const p = fplan(withDevfs(['ruleset=4', 'rule=path fuse unhide'], (s) => { s.freebsd = { devices: [{ path: 'pf', mode: 384 }] }; }), {
      policy: policyOf({ freebsd: { devfs: { close: ["path 'bpf*' hide"] } } }),
    });
    expect(p.devfs?.rules).toEqual([
      ...DEFAULT_OPEN_RULES,
      ['include', '4'],
      ['path', 'fuse', 'unhide'],
      ['path', 'pf', 'unhide', 'mode', '0600'],
      ['path', 'bpf*', 'hide'],
    ]);
    expect(p.devfs?.range).toEqual([5000, 5999]);
  });
  it('a devfs mount without options still gets the host open and close rules', () => {
    expect(fplan(withDevfs([])).devfs?.rules).toEqual(DEFAULT_OPEN_RULES);
  });
  it('the digest identifies identical rulesets', () => {
    const a = fplan(withDevfs(['ruleset=4'])).devfs?.digest;
    expect(fplan(withDevfs(['ruleset=4']), { id: 'other' }).devfs?.digest).toBe(a);
    expect(fplan(withDevfs(['ruleset=5'])).devfs?.digest).not.toBe(a);
  });
  it('no devfs mount: no ruleset; devices without one are an error', () => {
    expect(fplan(freebsdSpec((s) => { s.mounts = []; })).devfs).toBeUndefined();
    expect(errorOf(() => fplan(freebsdSpec((s) => { s.mounts = []; s.freebsd = { devices: [{ path: 'pf' }] }; })))).toContain(
      'config.json: /freebsd/devices: needs a devfs mount',
    );
  });
  it('refuses a requested host disk, naming the rule', () => {
    expect(errorOf(() => fplan(withDevfs(['rule=path ada0 unhide'])))).toContain('devfs rule "path ada0 unhide" would expose ada* (a host disk)');
    expect(errorOf(() => fplan(withDevfs([], (s) => { s.freebsd = { devices: [{ path: 'mem' }] }; })))).toContain('devfs rule "path mem unhide" would expose mem (host memory)');
    expect(errorOf(() => fplan(withDevfs(['ruleset=0'])))).toContain('ruleset 0 is not one the host policy allows');
  });
  it('the policy can allow it', () => {
    const p = fplan(withDevfs(['rule=path ada0 unhide']), { policy: policyOf({ freebsd: { devices: ['ada0'] } }) });
    expect(p.devfs?.rules.at(-1)).toEqual(['path', 'ada0', 'unhide']);
  });
  it('allow.mount.devfs gets a ruleset (and devfs_ruleset) even without a devfs mount', () => {
    const p = fplan(freebsdSpec((s) => { s.mounts = []; s.freebsd = { jail: { enforceStatfs: 1, allow: { mount: ['devfs'] } } }; }), {
      policy: policyOf({ freebsd: { allow: ['mount.devfs'] } }),
    });
    expect(p.devfs?.rules).toEqual(DEFAULT_OPEN_RULES);
    expect(p.jail.devfsRulesetParam).toBe(true);
  });
  it('policy open/close rules are checked for syntax', () => {
    expect(errorOf(() => policyOf({ freebsd: { devfs: { open: ['path x frob'] } } }) && fplan(withDevfs([]), { policy: policyOf({ freebsd: { devfs: { open: ['path x frob'] } } }) }))).toContain(
      '/etc/runj/policy.json: /freebsd/devfs/open/0: devfs rule "path x frob": unknown word "frob"',
    );
  });
});

describe('ruleset numbers', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-devfs-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function fakeKernel(preloaded: Record<number, string[][]> = {}) {
    const sets = new Map<number, string[][]>(Object.entries(preloaded).map(([k, v]) => [Number(k), v]));
    const programmed: number[] = [];
    return {
      sets,
      programmed,
      control: {
        inUse: (n: number) => (sets.get(n)?.length ?? 0) > 0,
        program: (n: number, rules: readonly (readonly string[])[]) => {
          programmed.push(n);
          sets.set(n, rules.map((r) => [...r]));
        },
      },
    };
  }
  const plan = (rules: string[][], range: [number, number] = [100, 109]) => buildRuleset(rules, policy({ open: [], close: [], range }));

  it('programs a free number, then reuses it for identical rules', () => {
    const k = fakeKernel();
    const p = plan([['hide']]);
    const n = allocateRuleset(p, dir, k.control);
    expect(n).toBeGreaterThanOrEqual(100);
    expect(n).toBeLessThanOrEqual(109);
    expect(k.sets.get(n)).toEqual([['hide']]);
    expect(allocateRuleset(p, dir, k.control)).toBe(n);
    expect(k.programmed).toEqual([n]);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'devfs', `${n}.json`), 'utf8'))).toEqual({ digest: p.digest, rules: [['hide']] });
  });
  it('never touches a loaded ruleset runj did not register', () => {
    const taken = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [100 + i, [['include', '1']]]));
    expect(errorOf(() => allocateRuleset(plan([['hide']]), dir, fakeKernel(taken).control))).toContain('no free devfs ruleset number in 100..109');
  });
  it('different rules get different numbers', () => {
    const k = fakeKernel();
    const a = allocateRuleset(plan([['hide']], [100, 101]), dir, k.control);
    const b = allocateRuleset(plan([['path', 'null', 'unhide']], [100, 101]), dir, k.control);
    expect(new Set([a, b]).size).toBe(2);
  });
  it('re-programs a registered ruleset the kernel lost (reboot)', () => {
    const k = fakeKernel();
    const p = plan([['hide']]);
    const n = allocateRuleset(p, dir, k.control);
    k.sets.clear();
    expect(allocateRuleset(p, dir, k.control)).toBe(n);
    expect(k.programmed).toEqual([n, n]);
  });
  it('programs through devfs(8): delset, then one add per rule', () => {
    const calls: string[] = [];
    const run: CommandRunner = (file, args) => {
      calls.push([file, ...args].join(' '));
      return { status: 0, stdout: '', stderr: '' };
    };
    const n = allocateRuleset(plan([['hide'], ['path', 'pts/*', 'unhide']], [7, 7]), dir, devfsControl(run));
    expect(n).toBe(7);
    expect(calls).toEqual([
      '/sbin/devfs rule -s 7 show',
      '/sbin/devfs rule -s 7 delset',
      '/sbin/devfs rule -s 7 add hide',
      '/sbin/devfs rule -s 7 add path pts/* unhide',
    ]);
  });
  it('a failing add clears the half-built ruleset and reports devfs(8)\'s error', () => {
    const calls: string[] = [];
    const run: CommandRunner = (_file, args) => {
      calls.push(args.join(' '));
      return args.includes('add') ? { status: 1, stdout: '', stderr: 'devfs: ioctl DEVFSIO_RADD: Invalid argument\n' } : { status: 0, stdout: '', stderr: '' };
    };
    expect(errorOf(() => allocateRuleset(plan([['hide']], [7, 7]), dir, devfsControl(run)))).toBe('devfs rule -s 7 add hide: devfs: ioctl DEVFSIO_RADD: Invalid argument');
    expect(calls.at(-1)).toBe('rule -s 7 delset');
    expect(fs.existsSync(path.join(dir, 'devfs', '7.json'))).toBe(false);
  });
});
