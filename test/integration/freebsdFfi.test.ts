/**
 * The FreeBSD backend's raw FFI calls, on Linux: ffi.ts loads
 * native/jailtest/libjailtest.so (FreeBSD's jail/mount ABI, in memory) via
 * $RUNJ_FREEBSD_LIBC, and these tests read back what crossed the boundary,
 * byte for byte, and check the double answers as kern_jail.c does.
 */
import { describe, expect, it } from 'vitest';
import * as ffi from '../../src/platform/freebsd/ffi.js';
import { JAIL_CREATE, JAIL_UPDATE, encodeParams } from '../../src/platform/freebsd/iov.js';
import { freebsdProcessInfo } from '../../src/platform/freebsd/sandbox.js';
import { childrenMax, create, jailLines, log, str, t, useDouble } from './freebsdDouble.js';

useDouble();

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
