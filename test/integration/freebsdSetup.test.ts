/**
 * setUpFreeBSD/tearDownFreeBSD through the real FFI path against the
 * libjailtest double: what they ask of the kernel, in order, and their rollback.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ffi from '../../src/platform/freebsd/ffi.js';
import { JAIL_CREATE, encodeParams } from '../../src/platform/freebsd/iov.js';
import { type SetUpData, liveJid, setUpFreeBSD, tearDownFreeBSD } from '../../src/platform/freebsd/system.js';
import { childrenMax, commands, create, failOn, host, ifconfigOutput, jailLines, log, mountLines, plan, rootfs, spec, state, str, t, tmp, useDouble } from './freebsdDouble.js';

useDouble();

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
    failOn('ifconfig epair1b vnet');
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
    commands.length = 0;
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
