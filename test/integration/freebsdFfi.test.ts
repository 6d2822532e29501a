/**
 * The FreeBSD backend's real FFI path, on Linux: ffi.ts loads
 * native/jailtest/libjailtest.so (FreeBSD's jail/mount ABI, in memory) via
 * $RUNJ_FREEBSD_LIBC, and these tests read back what crossed the boundary,
 * byte for byte, plus setUp/tearDown and their rollback.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/plan/build.js';
import { emptyPolicy, parsePolicy } from '../../src/plan/policy.js';
import type { Spec } from '../../src/plan/spec.js';
import { koffi } from '../../src/platform/koffi.js';
import type { CommandRunner } from '../../src/platform/freebsd/commands.js';
import * as ffi from '../../src/platform/freebsd/ffi.js';
import { JAIL_CREATE, JAIL_UPDATE, encodeParams } from '../../src/platform/freebsd/jailParams.js';
import { freebsdProcessInfo, makeFreeBSDSandbox } from '../../src/platform/freebsd/sandbox.js';
import { type Host, type SetUpData, jailPids, liveJid, setUpFreeBSD, signalJail, tearDownFreeBSD } from '../../src/platform/freebsd/system.js';
import { type FreeBSDPlan, planFreeBSD } from '../../src/platform/freebsd/translate.js';
import type { ContainerRecord } from '../../src/runtime/store.js';

const ROOT = path.resolve(__dirname, '../..');
const LIB = path.join(ROOT, 'native/jailtest/libjailtest.so');

// biome-ignore lint/suspicious/noExplicitAny: koffi functions
let t: Record<string, any>;
let tmp: string;
let rootfs: string;
let commands: string[];
let ifconfigOutput: Record<string, string>;
let failCommand: string | undefined;

const log = (): string => t.log();
const state = (): string => t.state();
const str = (s: string) => Buffer.from(`${s}\0`);

const run: CommandRunner = (file, args) => {
  const line = [path.basename(file), ...args].join(' ');
  commands.push(line);
  if (failCommand && line.startsWith(failCommand)) return { status: 1, stdout: '', stderr: `${path.basename(file)}: failed on purpose\n` };
  if (path.basename(file) === 'ifconfig' && args.length === 1) return { status: 0, stdout: ifconfigOutput[args[0] as string] ?? '', stderr: '' };
  return { status: 0, stdout: '', stderr: '' };
};

function host(): Host {
  return { sys: ffi, run, rundir: path.join(tmp, 'run'), sleep: () => {} };
}

beforeAll(() => {
  if (!fs.existsSync(LIB)) execFileSync('make', ['-s', '-C', path.join(ROOT, 'native/jailtest')], { stdio: 'inherit' });
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

describe('jail_set through koffi', () => {
  it('passes every parameter as a name/value iovec pair, booleans by name alone, and an errmsg buffer', () => {
    const jid = ffi.jailSet(
      encodeParams([
        { name: 'name', type: 'string', value: 'c1' },
        { name: 'path', type: 'string', value: '/j/c1' },
        { name: 'persist', type: 'bool', value: true },
        { name: 'host.hostname', type: 'string', value: 'web' },
        { name: 'ip4.addr', type: 'ip4', value: ['10.0.0.2', '10.0.0.3'] },
        { name: 'ip6.addr', type: 'ip6', value: ['fd00::1'] },
        { name: 'vnet', type: 'jailsys', value: 'inherit' },
        { name: 'sysvshm', type: 'jailsys', value: 'new' },
        { name: 'enforce_statfs', type: 'int', value: 2 },
        { name: 'allow.raw_sockets', type: 'bool', value: false },
        { name: 'allow.mount.tmpfs', type: 'bool', value: true },
      ]),
      JAIL_CREATE,
    );
    expect(jid).toBe(1);
    expect(log()).toBe(
      'jail_set flags=0x1 name="c1" path="/j/c1" persist host.hostname="web" ip4.addr=hex:0a0000020a000003 ' +
        'ip6.addr=hex:fd000000000000000000000000000001 vnet=hex:02000000 sysvshm=hex:01000000 enforce_statfs=hex:02000000 ' +
        'allow.noraw_sockets allow.mount.tmpfs errmsg=[1024]\n  -> 1\n',
    );
  });
  it('turns a failure into an error carrying the kernel\'s errmsg and FreeBSD\'s errno name', () => {
    ffi.jailSet(encodeParams([{ name: 'name', type: 'string', value: 'c1' }, { name: 'persist', type: 'bool', value: true }]), JAIL_CREATE);
    let err: ffi.SyscallError | undefined;
    try {
      ffi.jailSet(encodeParams([{ name: 'name', type: 'string', value: 'c1' }, { name: 'persist', type: 'bool', value: true }]), JAIL_CREATE, 'create jail c1');
    } catch (e) {
      err = e as ffi.SyscallError;
    }
    expect(err?.message).toBe('create jail c1: jail "c1" already exists (EEXIST)');
    expect(err?.code).toBe('ESYSTEM');
    expect(err?.details).toEqual({ call: 'jail_set', errno: 'EEXIST', errnoNumber: 17, errmsg: 'jail "c1" already exists' });
  });
  it.each([
    [35, 'EAGAIN', 'Resource temporarily unavailable'],
    [16, 'EBUSY', 'Device busy'],
    [1, 'EPERM', 'Operation not permitted'],
    [63, 'ENAMETOOLONG', 'File name too long'],
    [200, 'errno 200', 'error 200'],
  ])('maps FreeBSD errno %i to %s (text used when errmsg is empty)', (errno, name, text) => {
    t.failNext('jail_set', errno, '');
    expect(() => ffi.jailSet([], JAIL_CREATE, 'x')).toThrow(`x: ${text} (${name})`);
  });
  it('JAIL_UPDATE, and the kernel refusing a missing parent', () => {
    expect(() => ffi.jailSet(encodeParams([{ name: 'name', type: 'string', value: 'nope.c1' }, { name: 'persist', type: 'bool', value: true }]), JAIL_CREATE)).toThrow(
      'jail_set: jail "nope" not found (ENOENT)',
    );
    ffi.jailSet(encodeParams([{ name: 'name', type: 'string', value: 'p' }, { name: 'persist', type: 'bool', value: true }]), JAIL_CREATE);
    // kern_jail_set checks children.max along the caller's chain (the host: no limit), not the parent's.
    expect(ffi.jailSet(encodeParams([{ name: 'name', type: 'string', value: 'p.c' }, { name: 'persist', type: 'bool', value: true }]), JAIL_CREATE)).toBe(2);
    ffi.jailSet(encodeParams([{ name: 'name', type: 'string', value: 'p' }, { name: 'children.max', type: 'int', value: 1 }]), JAIL_UPDATE);
    expect(ffi.jailSet(encodeParams([{ name: 'name', type: 'string', value: 'p.d' }, { name: 'persist', type: 'bool', value: true }]), JAIL_CREATE)).toBe(3);
  });
});

describe('jail_get, jail_remove', () => {
  it('fills output buffers', () => {
    ffi.jailSet(encodeParams([{ name: 'name', type: 'string', value: 'c1' }, { name: 'persist', type: 'bool', value: true }, { name: 'enforce_statfs', type: 'int', value: 1 }]), JAIL_CREATE);
    const r = ffi.jailGet([{ name: str('name'), value: str('c1') }, { name: str('enforce_statfs'), value: Buffer.alloc(4) }], 0);
    expect(r.jid).toBe(1);
    expect(r.values[1]?.toString('hex')).toBe('01000000');
    expect(log().split('\n').at(-3)).toBe('jail_get flags=0x0 name="c1" enforce_statfs=[4] errmsg=[1024]');
  });
  it('ENOENT with the errmsg for a missing jail; EINVAL from jail_remove', () => {
    expect(() => ffi.jailGet([{ name: str('jid'), value: Buffer.from([7, 0, 0, 0]) }], 0)).toThrow('jail_get: jail 7 not found (ENOENT)');
    expect(() => ffi.jailRemove(7)).toThrow('jail_remove 7: Invalid argument (EINVAL)');
  });
});

describe('nmount, unmount', () => {
  it('passes fstype, fspath, options and errmsg; flags as given', () => {
    ffi.nmount([{ name: str('fstype'), value: str('tmpfs') }, { name: str('fspath'), value: str('/j/tmp') }, { name: str('nonc'), value: null }], 0x8 | 0x4);
    expect(log()).toBe('nmount flags=0xc fstype="tmpfs" fspath="/j/tmp" nonc errmsg=[1024]\n  -> 0\n');
    ffi.unmount('/j/tmp', 0);
    expect(() => ffi.unmount('/j/tmp', 0)).toThrow('unmount /j/tmp: Invalid argument (EINVAL)');
  });
  it('reports the file system\'s errmsg', () => {
    t.failNext('nmount', 2, 'tmpfs: no such option: sizee');
    expect(() => ffi.nmount([], 0, 'mount tmpfs on /tmp')).toThrow('mount tmpfs on /tmp: tmpfs: no such option: sizee (ENOENT)');
  });
});

describe('kern.proc', () => {
  it('reads one process and all processes', () => {
    t.addProc(100, 1, 1700000000, 42, 3);
    t.addProc(101, 2, 1700000001, 7, 5);
    expect(ffi.procByPid(100)).toEqual({ pid: 100, jid: 1, startSec: 1700000000, startUsec: 42, stat: 3 });
    expect(ffi.procByPid(102)).toBeUndefined();
    expect(ffi.allProcs().map((p) => p.pid)).toEqual([100, 101]);
    expect(log()).toContain('sysctl 1.14.1.100 oldp=NULL oldlen=0\n');
    expect(log()).toContain('sysctl 1.14.8 oldp=NULL oldlen=0\n');
  });
  it('process info: start time token and zombie state', () => {
    t.addProc(100, 1, 1700000000, 42, 3);
    t.addProc(101, 1, 1700000000, 43, 5);
    // The jail id, then ki_start less kern.boottime (1600000000 in the double): the start in uptime.
    expect(freebsdProcessInfo(100)).toEqual({ startTime: '1:100000000.000042', zombie: false });
    expect(freebsdProcessInfo(101)).toEqual({ startTime: '1:100000000.000043', zombie: true });
    expect(freebsdProcessInfo(999)).toBeUndefined();
  });
  it('the start-time token survives clock steps, and tells jails apart', () => {
    t.addProc(100, 1, 1700000000, 42, 3);
    const before = freebsdProcessInfo(100);
    t.stepClock(-3600, 0); // ntpdate / settimeofday: ki_start moves back an hour
    expect(ffi.procByPid(100)?.startSec).toBe(1700000000 - 3600);
    expect(freebsdProcessInfo(100)).toEqual(before);
    t.stepClock(86400 * 365, 0);
    expect(freebsdProcessInfo(100)).toEqual(before);
    t.reset();
    t.addProc(100, 2, 1700000000, 42, 3); // same pid and start, another jail: another process
    expect(freebsdProcessInfo(100)?.startTime).not.toBe(before?.startTime);
  });
  it('a clock step between reading ki_start and kern.boottime is noticed and read again', () => {
    t.addProc(100, 1, 1700000000, 42, 3);
    const before = freebsdProcessInfo(100);
    t.stepClock(7200, 2); // after kern.boottime and the size probe of kern.proc.pid
    expect(freebsdProcessInfo(100)).toEqual(before);
    expect(log().match(/^sysctl 1\.21 /gm)?.length).toBeGreaterThanOrEqual(4);
  });
  it('retries when the table grew between the two calls (ENOMEM)', () => {
    t.addProc(100, 1, 1, 1, 3);
    t.failAfter('sysctl', 1, 12, '');
    expect(ffi.allProcs().map((p) => p.pid)).toEqual([100]);
  });
  it('refuses a kinfo_proc layout it does not know', () => {
    t.addProc(100, 1, 1, 1, 3);
    t.kinfoSize(1096);
    expect(() => ffi.allProcs()).toThrow('struct kinfo_proc is 1096 bytes on this system');
  });
});

function spec(patch: (s: Spec) => void = () => {}): Spec {
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

function plan(s: Spec, policy = emptyPolicy): FreeBSDPlan {
  return planFreeBSD(buildPlan('c1', path.join(tmp, 'bundle'), s, { noPivot: false, noNewKeyring: false, preserveFds: 0 }), policy, undefined, {
    rundir: path.join(tmp, 'run'),
  });
}

const jailLines = () => state().split('\n').filter((l) => l.startsWith('jail '));
const mountLines = () => state().split('\n').filter((l) => l.startsWith('mount '));

describe('setUp and tearDown', () => {
  it('creates the jail, then mounts in order; tearDown removes all of it', () => {
    const fp = plan(spec());
    const done = setUpFreeBSD(fp, host());
    expect(done.jid).toBe(1);
    expect(done.devfsRuleset).toBeGreaterThanOrEqual(5000);
    const rs = String(done.devfsRuleset);
    expect(log().split('\n').filter((l) => !l.startsWith('  ->'))).toEqual([
      `jail_set flags=0x1 name="c1" path="${rootfs}" persist host.hostname="web" sysvmsg=hex:01000000 sysvsem=hex:01000000 ` +
        'sysvshm=hex:01000000 enforce_statfs=hex:02000000 allow.noset_hostname allow.noraw_sockets allow.nochflags allow.nomount ' +
        'allow.noquotas allow.nosocket_af allow.nomlock errmsg=[1024]',
      `nmount flags=0x0 fstype="devfs" fspath="${rootfs}/dev" from="devfs" ruleset="${rs}" errmsg=[1024]`,
      `nmount flags=0x1 fstype="nullfs" fspath="${rootfs}/data" target="${tmp}/data" errmsg=[1024]`,
      `nmount flags=0x0 fstype="nullfs" fspath="${rootfs}/etc/hosts" target="${tmp}/hosts" errmsg=[1024]`,
      '',
    ]);
    expect(commands[0]).toBe(`devfs rule -s ${rs} show`);
    expect(commands[1]).toBe(`devfs rule -s ${rs} delset`);
    expect(commands.at(-1)).toBe(`devfs rule -s ${rs} add include 4`);
    expect(fs.statSync(path.join(rootfs, 'etc/hosts')).isFile()).toBe(true);
    expect(done.created).toEqual([path.join(rootfs, 'dev'), path.join(rootfs, 'data'), path.join(rootfs, 'etc/hosts')]);

    const before = log().length;
    tearDownFreeBSD(done, host());
    expect(log().slice(before).split('\n').filter((l) => !l.startsWith('  ->'))).toEqual([
      'jail_get flags=0x0 jid=hex:01000000 name=[256] errmsg=[1024]',
      'jail_remove jid=1',
      'sysctlbyname kern.racct.enable',
      'rctl_remove_rule "jail:c1"', // rules on the name outlive the jail; none here (ESRCH)
      // By fsid (libjailtest numbers them 4097, 4098, ... in mount order), not by a path that could lead elsewhere now.
      'unmount "FSID:4099:58" flags=0x8000000',
      'unmount "FSID:4098:58" flags=0x8000000',
      'unmount "FSID:4097:58" flags=0x8000000',
      '',
    ]);
    expect(state()).toBe('');
    expect(fs.readdirSync(rootfs)).toEqual(['etc']);
    expect(fs.readFileSync(path.join(tmp, 'hosts'), 'utf8')).toBe('127.0.0.1 localhost\n');
    expect(fs.readdirSync(path.join(rootfs, 'etc'))).toEqual([]);
  });

  it('a failing nmount after jail_set removes the jail and unmounts what was mounted', () => {
    t.failAfter('nmount', 1, 1, 'nullfs: operation not permitted here');
    let err: Error | undefined;
    try {
      setUpFreeBSD(plan(spec()), host());
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).toBe('mount nullfs on /data: nullfs: operation not permitted here (EPERM)');
    const calls = log().split('\n').filter((l) => /^(jail_set|jail_remove|nmount|unmount)/.test(l)).map((l) => l.split(' ')[0]);
    expect(calls).toEqual(['jail_set', 'nmount', 'nmount', 'jail_remove', 'unmount']);
    expect(log()).toContain('unmount "FSID:4097:58" flags=0x8000000'); // ${rootfs}/dev
    expect(jailLines()).toEqual([]);
    expect(mountLines()).toEqual([]);
    expect(fs.readdirSync(rootfs)).toEqual(['etc']);
  });

  it('a failing jail_set undoes the read-only root view', () => {
    ffi.jailSet(encodeParams([{ name: 'name', type: 'string', value: 'pod' }, { name: 'persist', type: 'bool', value: true }]), JAIL_CREATE);
    t.failNext('jail_set', 22, 'unknown parameter: allow.mlock');
    const fp = plan(spec((s) => {
      s.root = { path: 'rootfs', readonly: true };
      s.mounts = [];
      s.freebsd = { jail: { parent: 'pod' } };
    }));
    expect(() => setUpFreeBSD(fp, host())).toThrow('create jail pod.c1: unknown parameter: allow.mlock (EINVAL)');
    const view = path.join(tmp, 'run/jails/pod.c1/root');
    expect(log()).toContain(`nmount flags=0x1 fstype="nullfs" fspath="${view}" target="${rootfs}" errmsg=[1024]`);
    expect(log()).not.toContain('jail_set flags=0x2');
    expect(log()).toContain('unmount "FSID:4097:58" flags=0x8000000'); // the view
    expect(jailLines()).toEqual(['jail 1 pod persist']);
    expect(mountLines()).toEqual([]);
    expect(fs.existsSync(path.join(tmp, 'run/jails'))).toBe(false);
  });

  it('a failing vnet move undoes the move done before it, the jail and the mounts', () => {
    const fp = plan(spec((s) => { s.freebsd = { jail: { vnet: 'new', vnetInterfaces: ['epair0b', 'epair1b'] } }; }));
    failCommand = 'ifconfig epair1b vnet';
    expect(() => setUpFreeBSD(fp, host())).toThrow('ifconfig epair1b vnet 1: ifconfig: failed on purpose');
    expect(commands.filter((c) => c.startsWith('ifconfig'))).toEqual(['ifconfig epair0b vnet 1', 'ifconfig epair1b vnet 1', 'ifconfig epair0b -vnet 1']);
    expect(jailLines()).toEqual([]);
    expect(mountLines()).toEqual([]);
  });

  it('adds aliases runj does not find, and removes only those', () => {
    ifconfigOutput.lo1 = 'lo1: flags=8049<UP,LOOPBACK,RUNNING,MULTICAST> metric 0 mtu 16384\n\tinet 127.0.1.3 netmask 0xffffffff\n';
    const fp = plan(spec((s) => { s.mounts = []; s.freebsd = { jail: { interface: 'lo1', ip4Addr: ['127.0.1.2', '127.0.1.3'], ip6Addr: ['fd00::2'] } }; }));
    const done = setUpFreeBSD(fp, host());
    expect(log()).toContain('ip4.addr=hex:7f0001027f000103 ip6.addr=hex:fd000000000000000000000000000002');
    expect(commands).toEqual(['ifconfig lo1', 'ifconfig lo1 inet 127.0.1.2/32 alias', 'ifconfig lo1', 'ifconfig lo1', 'ifconfig lo1 inet6 fd00::2 prefixlen 128 alias']);
    expect(done.aliases.map((a) => a.addr)).toEqual(['127.0.1.2', 'fd00::2']);
    commands = [];
    ifconfigOutput.lo1 += '\tinet 127.0.1.2 netmask 0xffffffff\n\tinet6 fd00::2 prefixlen 128\n';
    tearDownFreeBSD(done, host());
    expect(commands).toEqual(['ifconfig lo1', 'ifconfig lo1 inet6 fd00::2 -alias', 'ifconfig lo1', 'ifconfig lo1 inet 127.0.1.2 -alias']);
  });

  it('vnet interfaces go back before jail_remove', () => {
    const done = setUpFreeBSD(plan(spec((s) => { s.mounts = []; s.freebsd = { jail: { vnet: 'new', vnetInterfaces: ['epair0b'] } }; })), host());
    const before = log().length;
    tearDownFreeBSD(done, host());
    expect(commands.at(-1)).toBe('ifconfig epair0b -vnet 1');
    expect(log().slice(before)).toContain('jail_remove jid=1');
  });

  it('is safe to repeat, and never removes a jail that reused the jid', () => {
    const done = setUpFreeBSD(plan(spec((s) => { s.mounts = []; })), host());
    tearDownFreeBSD(done, host());
    tearDownFreeBSD(done, host());
    expect(log().match(/jail_remove/g)).toHaveLength(1);
    // Another jail now has jid 1:
    t.reset();
    ffi.jailSet(encodeParams([{ name: 'name', type: 'string', value: 'someone-else' }, { name: 'persist', type: 'bool', value: true }]), JAIL_CREATE);
    expect(liveJid(done, host())).toBeUndefined();
    tearDownFreeBSD(done, host());
    expect(jailLines()).toEqual(['jail 1 someone-else persist']);
  });

  it('retries an unmount while the jail\'s processes still hold it, then forces it', () => {
    const data: SetUpData = { jailName: 'c1', jid: 0, mounted: ['/a', '/b'], created: [], aliases: [], moved: [] };
    ffi.nmount([{ name: str('fstype'), value: str('x') }, { name: str('fspath'), value: str('/a') }], 0);
    ffi.nmount([{ name: str('fstype'), value: str('x') }, { name: str('fspath'), value: str('/b') }], 0);
    // Calls in order: /b EBUSY, /b ok, then /a EBUSY 20 times, then /a with MNT_FORCE ok.
    t.failNext('unmount', 16, '');
    t.failAfter('unmount', 1, 16, '');
    for (let i = 0; i < 19; i++) t.failNext('unmount', 16, '');
    tearDownFreeBSD(data, host());
    const unmounts = log().split('\n').filter((l) => l.startsWith('unmount'));
    expect(unmounts[0]).toBe('unmount "/b" flags=0x0');
    expect(unmounts[1]).toBe('unmount "/b" flags=0x0');
    const a = unmounts.filter((l) => l.startsWith('unmount "/a"'));
    expect(a).toHaveLength(21);
    expect(a.at(-2)).toBe('unmount "/a" flags=0x0');
    expect(a.at(-1)).toBe('unmount "/a" flags=0x80000');
    expect(mountLines()).toEqual([]);
  });

  it('reports every step that failed, after trying them all', () => {
    const done = setUpFreeBSD(plan(spec()), host());
    t.failNext('jail_remove', 1, '');
    t.failNext('unmount', 1, '');
    expect(() => tearDownFreeBSD(done, host())).toThrow(
      /^removing jail c1: jail_remove 1: Operation not permitted \(EPERM\); unmount .*\/etc\/hosts: Operation not permitted \(EPERM\)$/,
    );
    expect(mountLines()).toEqual([`mount nullfs ${rootfs}/etc/hosts`]);
  });

  it('creates a child of a parent whose children.max is 0 from the host, leaving the parent as it was', () => {
    ffi.jailSet(encodeParams([{ name: 'name', type: 'string', value: 'pod' }, { name: 'persist', type: 'bool', value: true }, { name: 'children.max', type: 'int', value: 0 }]), JAIL_CREATE);
    const done = setUpFreeBSD(plan(spec((s) => { s.mounts = []; s.freebsd = { jail: { parent: 'pod' } }; })), host());
    expect(jailLines()[0]).toBe('jail 1 pod persist children.max=[4]');
    expect(jailLines()[1]).toMatch(/^jail 2 pod\.c1 /);
    tearDownFreeBSD(done, host());
    expect(jailLines()).toEqual(['jail 1 pod persist children.max=[4]']);
  });
});

describe('processes of a jail', () => {
  it('lists and signals the jail\'s processes only, with kill(2)', () => {
    const done = setUpFreeBSD(plan(spec((s) => { s.mounts = []; })), host());
    t.addProc(100, 1, 1, 0, 3);
    t.addProc(101, 1, 1, 0, 3);
    t.addProc(200, 0, 1, 0, 3);
    expect(jailPids(done, host())).toEqual([100, 101]);
    signalJail(done, host(), 15);
    expect(log().split('\n').filter((l) => l.startsWith('kill'))).toEqual(['kill pid=100 sig=15', 'kill pid=101 sig=15']);
  });
  it('a process that exits meanwhile is skipped', () => {
    const done = setUpFreeBSD(plan(spec((s) => { s.mounts = []; })), host());
    t.addProc(100, 1, 1, 0, 3);
    t.failNext('kill', 3, '');
    expect(() => signalJail(done, host(), 9)).not.toThrow();
  });
  it('nothing when the jail is gone', () => {
    expect(jailPids({ jailName: 'c1', jid: 4 }, host())).toEqual([]);
  });
});

describe('the Sandbox', () => {
  it('prepare, setUp (fills the jail record), listPids, killAll, tearDown', async () => {
    const sandbox = makeFreeBSDSandbox(host);
    const bundle = path.join(tmp, 'bundle');
    fs.writeFileSync(path.join(bundle, 'runj.ext.json'), JSON.stringify({ network: { vnet: { mode: 'new', interfaces: ['epair5b'] } } }));
    const cplan = buildPlan('c1', bundle, spec((s) => { s.mounts = []; }), { noPivot: false, noNewKeyring: false, preserveFds: 0 });
    const prepared = sandbox.prepare(cplan, parsePolicy('{}', 'p.json'));
    expect(prepared.records[0]).toEqual(['jail', '<jid>']);
    expect(prepared.data).toEqual({ jailName: 'c1', rootfs });
    const data = await sandbox.setUp(cplan, prepared);
    expect(prepared.records[0]).toEqual(['jail', 1]);
    expect(log()).toContain('vnet=hex:01000000');
    expect(commands).toContain('ifconfig epair5b vnet 1');
    const record = { id: 'c1', pid: 100, sandbox: { ...prepared.data, ...data } } as unknown as ContainerRecord;
    t.addProc(100, 1, 1, 0, 3);
    expect(sandbox.listPids(record)).toEqual([100]);
    sandbox.killAll(record, 9);
    expect(sandbox.listPids(record)).toEqual([]);
    await sandbox.tearDown(record);
    expect(jailLines()).toEqual([]);
    await sandbox.tearDown({ ...record, sandbox: prepared.data } as ContainerRecord); // after a failed setUp: nothing to do
  });
});

describe('a mount point swapped for a symlink to a host path', () => {
  // The kernel's nmount(2) looks fspath up following symlinks
  // (sys/kern/vfs_mount.c), so a directory of the rootfs renamed away and
  // replaced by a symlink between runj's checks and the mount sends the
  // mount to the host. libjailtest does that swap at the nmount.
  let hostDir: string;
  const racing = () =>
    spec((s) => {
      s.mounts = [{ destination: '/data/sub/mnt', source: path.join(tmp, 'data'), options: ['bind', 'ro'] }];
    });
  beforeEach(() => {
    hostDir = path.join(tmp, 'host');
    fs.mkdirSync(path.join(hostDir, 'mnt'), { recursive: true }); // what the attacker wants covered
    fs.mkdirSync(path.join(rootfs, 'data/sub/mnt'), { recursive: true });
  });

  for (const back of [false, true]) {
    it(`is found after the mount, unmounted by fsid and refused${back ? ' (the directory swapped back at once)' : ''}`, () => {
      t.swapOnNmount(path.join(rootfs, 'data/sub'), hostDir, back ? 1 : 0);
      let err: Error | undefined;
      try {
        setUpFreeBSD(plan(racing()), host());
      } catch (e) {
        err = e as Error;
      }
      expect(err?.message).toBe(
        `mount /data/sub/mnt: the mount point was replaced while mounting (mounted on ${hostDir}/mnt, not ${rootfs}/data/sub/mnt); unmounted it`,
      );
      expect(log()).toMatch(/^unmount "FSID:[0-9]+:[0-9]+" flags=0x8000000$/m);
      expect(mountLines()).toEqual([]);
      expect(jailLines()).toEqual([]);
      expect(fs.readdirSync(path.join(hostDir, 'mnt'))).toEqual([]);
    });
  }

  it('a mount that stayed where it was checked is kept', () => {
    const done = setUpFreeBSD(plan(racing()), host());
    expect(mountLines()).toEqual([`mount nullfs ${rootfs}/data/sub/mnt`]);
    expect(log()).not.toContain('FSID:');
    tearDownFreeBSD(done, host());
    expect(mountLines()).toEqual([]);
  });

  it('delete unmounts by fsid: a mount point swapped for a symlink later does not reach a host mount', () => {
    const done = setUpFreeBSD(plan(racing()), host());
    ffi.nmount([{ name: str('fstype'), value: str('tmpfs') }, { name: str('fspath'), value: str(path.join(hostDir, 'mnt')) }], 0); // the host's own
    fs.renameSync(path.join(rootfs, 'data/sub'), path.join(rootfs, 'data/sub.away'));
    fs.symlinkSync(hostDir, path.join(rootfs, 'data/sub')); // by the container, after create
    tearDownFreeBSD(done, host());
    expect(mountLines()).toEqual([`mount tmpfs ${hostDir}/mnt`]);
  });

  it('symlinks inside the rootfs are resolved there, never on the host', () => {
    fs.rmSync(path.join(rootfs, 'data'), { recursive: true });
    fs.symlinkSync(hostDir, path.join(rootfs, 'data')); // absolute: inside the root it names rootfs/<hostDir>
    const done = setUpFreeBSD(
      plan(spec((s) => { s.mounts = [{ destination: '/data/new/mnt', source: path.join(tmp, 'data'), options: ['bind'] }]; })),
      host(),
    );
    expect(mountLines()).toEqual([`mount nullfs ${path.join(rootfs, hostDir)}/new/mnt`]);
    expect(fs.readdirSync(hostDir)).toEqual(['mnt']);
    const parts = path.join(hostDir, 'new/mnt').split('/').filter(Boolean); // all missing in the rootfs
    expect(done.created).toEqual(parts.map((_, i) => path.join(rootfs, ...parts.slice(0, i + 1))));
    tearDownFreeBSD(done, host());
    expect(fs.existsSync(path.join(rootfs, 'tmp'))).toBe(false);
  });

  it('".." in a symlink stops at the root; a file in the way is an error naming it', () => {
    fs.symlinkSync('../../../../../..', path.join(rootfs, 'up'));
    const done = setUpFreeBSD(
      plan(spec((s) => { s.mounts = [{ destination: '/up/made/f', source: path.join(tmp, 'hosts'), options: ['bind'] }]; })),
      host(),
    );
    expect(mountLines()).toEqual([`mount nullfs ${rootfs}/made/f`]);
    expect(fs.statSync(path.join(rootfs, 'made/f')).isFile()).toBe(true);
    tearDownFreeBSD(done, host());
    fs.writeFileSync(path.join(rootfs, 'file'), '');
    expect(() =>
      setUpFreeBSD(plan(spec((s) => { s.mounts = [{ destination: '/file/x', source: path.join(tmp, 'data'), options: ['bind'] }]; })), host()),
    ).toThrow(`resolve /file/x in ${rootfs}: ${rootfs}/file is not a directory`);
    expect(jailLines()).toEqual([]);
  });
});

describe('read-only root', () => {
  it('creates mount points in the real root when the view is read-only (EROFS)', () => {
    if (process.getuid?.() !== 0 || os.platform() !== 'linux') return; // needs a real read-only bind mount
    const fp = plan(spec((s) => {
      s.root = { path: 'rootfs', readonly: true };
      s.mounts = [{ destination: '/data', source: path.join(tmp, 'data'), options: ['bind'] }];
    }));
    const view = fp.view as string;
    // libjailtest does not mount: stand in for the kernel's read-only nullfs view with a Linux read-only bind mount.
    fs.mkdirSync(view, { recursive: true });
    execFileSync('mount', ['--bind', rootfs, view]);
    try {
      execFileSync('mount', ['-o', 'remount,bind,ro', view]);
      const done = setUpFreeBSD(fp, host());
      expect(done.created).toContain(path.join(rootfs, 'data'));
      expect(log()).toContain(`fspath="${view}/data"`);
      expect(log()).toContain(`jail_set flags=0x1 name="c1" path="${view}"`);
    } finally {
      execFileSync('umount', [view]);
    }
  });
});

const create = (name: string, extra: Parameters<typeof encodeParams>[0] = []) =>
  ffi.jailSet(encodeParams([{ name: 'name', type: 'string', value: name }, { name: 'persist', type: 'bool', value: true }, ...extra]), JAIL_CREATE);
const childrenMax = (value: number) => ({ name: 'children.max', type: 'int' as const, value });

describe('the double follows kern_jail.c', () => {
  it('jail_set refuses an unknown parameter with EINVAL and "unknown parameter: NAME", creating nothing', () => {
    expect(() => create('c1', [{ name: 'allow.bogus', type: 'bool', value: true }])).toThrow('jail_set: unknown parameter: allow.bogus (EINVAL)');
    expect(() => create('c1', [{ name: 'no.such', type: 'int', value: 1 }])).toThrow('unknown parameter: no.such (EINVAL)');
    expect(jailLines()).toEqual([]);
    expect(create('c1', [{ name: 'allow.noraw_sockets', type: 'bool', value: true }])).toBe(1); // "no" names are known
  });
  it('jail_get refuses an unknown parameter with EINVAL, and gives known unset ones', () => {
    create('c1');
    expect(() => ffi.jailGet([{ name: str('name'), value: str('c1') }, { name: str('no.such'), value: Buffer.alloc(4) }], 0)).toThrow(
      'jail_get: unknown parameter: no.such (EINVAL)',
    );
    const r = ffi.jailGet([{ name: str('name'), value: str('c1') }, { name: str('securelevel'), value: Buffer.alloc(4, 0xff) }], 0);
    expect(r.values[1]?.toString('hex')).toBe('00000000');
  });
  it('a new jail must persist (or attach): EINVAL with the kernel\'s errmsg otherwise', () => {
    expect(() => ffi.jailSet(encodeParams([{ name: 'name', type: 'string', value: 'c1' }]), JAIL_CREATE)).toThrow(
      'jail_set: new jail must persist or attach (EINVAL)',
    );
    expect(jailLines()).toEqual([]);
  });
  it('an empty ip4.addr is a jail with no IPv4 addresses; a partial address is EINVAL', () => {
    expect(create('c1', [{ name: 'ip4', type: 'jailsys', value: 'new' }])).toBe(1);
    expect(ffi.jailSet([{ name: str('name'), value: str('c2') }, { name: str('persist'), value: null }, { name: str('ip4.addr'), value: Buffer.alloc(0) }], JAIL_CREATE)).toBe(2);
    expect(() => ffi.jailSet([{ name: str('name'), value: str('c3') }, { name: str('ip4.addr'), value: Buffer.alloc(6) }], JAIL_CREATE)).toThrow('EINVAL');
  });
  it('children.max: limited by the caller\'s chain, and below the parent\'s own', () => {
    create('outer', [childrenMax(2)]);
    expect(() => ffi.jailSet(encodeParams([{ name: 'name', type: 'string', value: 'outer' }, childrenMax(999999)]), JAIL_UPDATE)).toThrow('EPERM');
    create('outer.a', [childrenMax(1)]);
    expect(() => ffi.jailSet(encodeParams([{ name: 'name', type: 'string', value: 'outer.a' }, childrenMax(2)]), JAIL_UPDATE)).toThrow(
      'Operation not permitted (EPERM)',
    );
    t.setCaller('outer');
    expect(create('a.b')).toBe(3); // outer: 1 descendant of 2 allowed
    expect(() => create('x')).toThrow('prison limit exceeded (EPERM)'); // outer: 2 of 2
    const r = ffi.jailGet([{ name: str('jid'), value: Buffer.from([3, 0, 0, 0]) }, { name: str('name'), value: Buffer.alloc(256) }], 0);
    expect(r.values[1]?.subarray(0, 4).toString()).toBe('a.b\0');
    expect(() => ffi.jailGet([{ name: str('jid'), value: Buffer.from([1, 0, 0, 0]) }], 0)).toThrow('jail 1 not found (ENOENT)'); // itself: not visible
    t.setCaller('outer.a.b');
    expect(() => create('c')).toThrow('jail_set: Operation not permitted (EPERM)'); // its own children.max is 0
  });
});

describe('children.max of the parent is the kernel\'s business', () => {
  const inParent = (parent: string) => plan(spec((s) => { s.mounts = []; s.freebsd = { jail: { parent } }; }));
  const updates = () => log().split('\n').filter((l) => l.startsWith('jail_set flags=0x2'));

  it('from the host: a child of a parent whose children.max is full is created without touching the parent', () => {
    create('pod', [childrenMax(1)]);
    create('pod.x'); // children.max 0; raising it to 1 would be EPERM (not below pod's 1)
    const done = setUpFreeBSD(inParent('pod.x'), host());
    expect(jailLines().find((l) => l.includes(' pod.x.c1 '))).toMatch(/^jail 3 pod\.x\.c1 /);
    expect(updates()).toEqual([]);
    tearDownFreeBSD(done, host());
    expect(jailLines()).toEqual(['jail 1 pod persist children.max=hex:01000000', 'jail 2 pod.x persist']);
    expect(updates()).toEqual([]);
  });

  it('inside a jail: names are relative to it and nothing but the new jail is set', () => {
    create('outer', [childrenMax(3)]);
    create('outer.a', [childrenMax(1)]);
    create('outer.a.b');
    t.setCaller('outer');
    const done = setUpFreeBSD(inParent('a.b'), host());
    expect(done.jid).toBe(4);
    expect(jailLines().at(-1)).toMatch(/^jail 4 outer\.a\.b\.c1 /);
    expect(updates()).toEqual([]);
    tearDownFreeBSD(done, host());
    expect(jailLines().map((l) => l.split(' ')[2])).toEqual(['outer', 'outer.a', 'outer.a.b']);
  });

  it('inside a jail that may not create jails: the kernel\'s EPERM, and nothing left behind', () => {
    create('outer');
    t.setCaller('outer');
    expect(() => setUpFreeBSD(plan(spec((s) => { s.mounts = []; })), host())).toThrow('create jail c1: Operation not permitted (EPERM)');
    expect(jailLines()).toEqual(['jail 1 outer persist']);
  });
});

describe('freeze', () => {
  it('stops and continues with FreeBSD\'s SIGSTOP (17) and SIGCONT (19), whatever the host running the tests', async () => {
    const sandbox = makeFreeBSDSandbox(host);
    const done = setUpFreeBSD(plan(spec((s) => { s.mounts = []; })), host());
    t.addProc(100, done.jid, 1, 0, 3);
    const record = { id: 'c1', pid: 100, sandbox: { setup: done } } as unknown as ContainerRecord;
    sandbox.freeze(record, true);
    sandbox.freeze(record, false);
    expect(log().split('\n').filter((l) => l.startsWith('kill'))).toEqual(['kill pid=100 sig=17', 'kill pid=100 sig=19']);
  });
});

describe('nullfs mount points the kernel would refuse with a bare EINVAL', () => {
  const attempt = (mounts: Spec['mounts']) => {
    let err: Error | undefined;
    try {
      setUpFreeBSD(plan(spec((s) => { s.mounts = mounts; })), host());
    } catch (e) {
      err = e as Error;
    }
    expect(jailLines()).toEqual([]); // the jail made before the mount is gone again
    expect(mountLines()).toEqual([]);
    expect(log()).not.toMatch(/^nmount .*fstype="nullfs"/m);
    return err?.message ?? '';
  };

  it('a file bind mount onto a file with several hard links (vfs_domount_first wants exactly one)', () => {
    fs.writeFileSync(path.join(rootfs, 'etc/hosts'), '');
    fs.linkSync(path.join(rootfs, 'etc/hosts'), path.join(rootfs, 'etc/hosts.bak'));
    expect(attempt([{ destination: '/etc/hosts', source: path.join(tmp, 'hosts'), options: ['bind'] }])).toBe(
      `mounts/0 (/etc/hosts): cannot mount a file on ${rootfs}/etc/hosts: it has 2 hard links, and FreeBSD mounts only on a file with one`,
    );
  });
  it('a directory onto a file', () => {
    fs.writeFileSync(path.join(rootfs, 'etc/hosts'), '');
    expect(attempt([{ destination: '/etc/hosts', source: path.join(tmp, 'data'), options: ['bind'] }])).toBe(
      `mounts/0 (/etc/hosts): cannot mount directory ${tmp}/data on ${rootfs}/etc/hosts, a file: nullfs mounts a directory only on a directory and a file only on a file`,
    );
  });
  it('a file onto a directory', () => {
    expect(attempt([{ destination: '/etc', source: path.join(tmp, 'hosts'), options: ['bind'] }])).toBe(
      `mounts/0 (/etc): cannot mount file ${tmp}/hosts on ${rootfs}/etc, a directory: nullfs mounts a directory only on a directory and a file only on a file`,
    );
  });
  it('a source that is neither a file nor a directory', () => {
    expect(attempt([{ destination: '/null', source: '/dev/null', options: ['bind'] }])).toBe(
      'mounts/0 (/null): cannot mount /dev/null: nullfs mounts only directories and regular files',
    );
  });
});

describe('resource limits through rctl', () => {
  const limited = (res: NonNullable<NonNullable<Spec['linux']>['resources']>) => plan(spec((s) => { s.mounts = []; s.linux = { resources: res }; }));
  const rules = (): string[] => (t.rctl() as string).split('\n').filter(Boolean);

  it('adds a deny rule per limit on the jail after creating it, and removes them at delete', () => {
    const done = setUpFreeBSD(limited({ memory: { limit: 1 << 30 }, pids: { limit: 64 }, cpu: { quota: 50000, period: 100000 } }), host());
    expect(rules()).toEqual(['jail:c1:memoryuse:deny=1073741824', 'jail:c1:maxproc:deny=64', 'jail:c1:pcpu:deny=50']);
    const calls = log().split('\n').filter((l) => /^(sysctlbyname|jail_set|rctl_add_rule)/.test(l)).map((l) => l.split(' ')[0]);
    expect(calls).toEqual(['sysctlbyname', 'jail_set', 'rctl_add_rule', 'rctl_add_rule', 'rctl_add_rule']);
    tearDownFreeBSD(done, host());
    expect(rules()).toEqual([]);
    expect(log()).toContain('rctl_remove_rule "jail:c1"');
  });
  it('refuses limits when kern.racct.enable is 0, before anything is made', () => {
    t.setRacct(0);
    expect(() => setUpFreeBSD(limited({ memory: { limit: 1 << 20 } }), host())).toThrow(
      'config.json: /linux/resources: resource limits need RACCT/RCTL, and kern.racct.enable is 0: set kern.racct.enable=1 in /boot/loader.conf and reboot',
    );
    expect(log()).not.toContain('jail_set');
    expect(jailLines()).toEqual([]);
  });
  it('refuses limits on a kernel without RACCT', () => {
    t.setRacct(-1);
    expect(() => setUpFreeBSD(limited({ pids: { limit: 5 } }), host())).toThrow('this kernel has no RACCT/RCTL (no kern.racct.enable)');
  });
  it('a container without limits does not need RACCT', () => {
    t.setRacct(-1);
    const done = setUpFreeBSD(limited({}), host());
    expect(() => tearDownFreeBSD(done, host())).not.toThrow();
    expect(log()).not.toContain('rctl_');
  });
  it('a failing rule removes the jail and the rules added before it', () => {
    t.failAfter('rctl_add_rule', 1, 22, '');
    expect(() => setUpFreeBSD(limited({ memory: { limit: 4096 }, pids: { limit: 2 } }), host())).toThrow(
      'rctl_add_rule jail:c1:maxproc:deny=2: Invalid argument (EINVAL)',
    );
    expect(rules()).toEqual([]);
    expect(jailLines()).toEqual([]);
  });
  it('update replaces limits, removes the ones set to -1, and refuses without RACCT', () => {
    const sandbox = makeFreeBSDSandbox(host);
    const done = setUpFreeBSD(limited({ memory: { limit: 1 << 30 }, pids: { limit: 64 } }), host());
    const record = { id: 'c1', pid: 100, sandbox: { setup: done } } as unknown as ContainerRecord;
    sandbox.update(record, { memory: { limit: 1 << 29 }, pids: { limit: -1 }, cpu: { quota: 200000 } });
    expect(rules()).toEqual(['jail:c1:memoryuse:deny=536870912', 'jail:c1:pcpu:deny=200']);
    expect(() => sandbox.update(record, { pids: { limit: 2.5 } })).toThrow('update/pids/limit: must be an integer');
    t.setRacct(0);
    expect(() => sandbox.update(record, { pids: { limit: 3 } })).toThrow('resource limits need RACCT/RCTL, and kern.racct.enable is 0');
  });
  it('events --stats: usage from rctl_get_racct, limits from the rules in force', () => {
    const sandbox = makeFreeBSDSandbox(host);
    const done = setUpFreeBSD(limited({ memory: { limit: 1 << 30 }, pids: { limit: 64 } }), host());
    const record = { id: 'c1', pid: 100, sandbox: { setup: done } } as unknown as ContainerRecord;
    t.setRacctUsage('cputime=3,datasize=0,memoryuse=2097152,maxproc=4,pcpu=1');
    expect(sandbox.stats(record)).toEqual({
      cpu: { usage: { total: 3_000_000_000 } },
      memory: { usage: { usage: 2097152, limit: 1073741824 } },
      pids: { current: 4, limit: 64 },
    });
    expect(log()).toContain('rctl_get_racct "jail:c1"');
    t.setRacct(0);
    expect(sandbox.stats(record)).toEqual({}); // no accounting: nothing to report
  });
});
