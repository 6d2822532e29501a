import { describe, expect, it } from 'vitest';
import type { Mount } from '../../src/plan/spec.js';
import { MNT, formatMount, normaliseDestination, translateMounts } from '../../src/platform/freebsd/mounts.js';
import { errorOf } from './freebsdFixtures.js';

const one = (m: Mount) => translateMounts([m]);
const step = (m: Mount) => one(m).steps[0];

describe('mount types', () => {
  it.each<[Mount, string, 'dir' | 'source']>([
    [{ destination: '/data', type: 'nullfs', source: '/srv/data' }, 'nullfs', 'source'],
    [{ destination: '/data', type: 'bind', source: '/srv/data' }, 'nullfs', 'source'],
    [{ destination: '/data', source: '/srv/data', options: ['bind'] }, 'nullfs', 'source'],
    [{ destination: '/data', type: 'none', source: '/srv/data', options: ['rbind'] }, 'nullfs', 'source'],
    [{ destination: '/etc/resolv.conf', source: '/etc/resolv.conf', options: ['rbind', 'ro'] }, 'nullfs', 'source'],
    [{ destination: '/dev', type: 'devfs', source: 'devfs' }, 'devfs', 'dir'],
    [{ destination: '/tmp', type: 'tmpfs', source: 'tmpfs' }, 'tmpfs', 'dir'],
    [{ destination: '/dev/fd', type: 'fdescfs', source: 'fdesc' }, 'fdescfs', 'dir'],
    [{ destination: '/proc', type: 'procfs', source: 'proc' }, 'procfs', 'dir'],
    [{ destination: '/compat/linux/proc', type: 'linprocfs', source: 'linprocfs' }, 'linprocfs', 'dir'],
    [{ destination: '/compat/linux/sys', type: 'linsysfs', source: 'linsysfs' }, 'linsysfs', 'dir'],
  ])('%j → %s', (m, fstype, mountpoint) => {
    const s = step(m);
    expect(s?.fstype).toBe(fstype);
    expect(s?.mountpoint).toBe(mountpoint);
    expect(s?.source).toBe(m.source);
  });
  it.each(['proc', 'sysfs', 'devpts', 'mqueue', 'cgroup', 'cgroup2'])('skips the Linux file system %s with a debug line', (type) => {
    const t = one({ destination: `/x`, type, source: type });
    expect(t.steps).toEqual([]);
    expect(t.debug).toEqual([`config.json: /mounts/0: skipping ${type} mount on /x: a Linux file system`]);
  });
  it.each([
    [{ destination: '/x', type: 'ufs', source: '/dev/ada0p2' }, 'config.json: /mounts/0/type: "ufs" is not supported by the FreeBSD backend'],
    [{ destination: '/x', type: 'nfs', source: 'srv:/x' }, '"nfs" is not supported'],
    [{ destination: '/x', source: '/y' }, 'config.json: /mounts/0/type: required for a mount that is not a bind mount'],
    [{ destination: '/x', type: 'nullfs' }, 'config.json: /mounts/0/source: a bind mount needs a source path'],
    [{ destination: '/', type: 'tmpfs', source: 'tmpfs' }, "a mount cannot replace the container's root"],
  ])('refuses %j', (m, message) => {
    expect(errorOf(() => one(m as Mount))).toContain(message);
  });
});

describe('mount options', () => {
  it.each<[string[], number]>([
    [['ro'], MNT.RDONLY],
    [['rdonly'], MNT.RDONLY],
    [['ro', 'rw'], 0],
    [['nosuid', 'noexec'], MNT.NOSUID | MNT.NOEXEC],
    [['noexec', 'exec'], 0],
    [['nosuid', 'suid'], 0],
    [['noatime'], MNT.NOATIME],
    [['noatime', 'atime'], 0],
    [['sync'], MNT.SYNCHRONOUS],
    [['async'], MNT.ASYNC],
    [['sync', 'async'], MNT.ASYNC],
    [['async', 'sync'], MNT.SYNCHRONOUS],
    [['nosymfollow'], MNT.NOSYMFOLLOW],
    [['rro', 'rnosuid', 'rnoexec'], MNT.RDONLY | MNT.NOSUID | MNT.NOEXEC],
  ])('%j → flags %i', (options, flags) => {
    expect(step({ destination: '/t', type: 'tmpfs', source: 'tmpfs', options })?.flags).toBe(flags);
  });
  it('MNT_* values are sys/mount.h', () => {
    expect(MNT).toEqual({ RDONLY: 1, SYNCHRONOUS: 2, NOEXEC: 4, NOSUID: 8, ASYNC: 0x40, UPDATE: 0x10000, FORCE: 0x80000, NOSYMFOLLOW: 0x400000, NOATIME: 0x10000000 });
  });
  it('passes k=v and bare words through as nmount options, in order', () => {
    expect(step({ destination: '/t', type: 'tmpfs', source: 'tmpfs', options: ['size=64m', 'mode=1777', 'nonc'] })?.options).toEqual([
      ['size', '64m'], ['mode', '1777'], ['nonc', null],
    ]);
  });
  it.each(['nodev', 'dev', 'rprivate', 'rslave', 'shared', 'relatime', 'strictatime', 'x-systemd.automount'])('ignores %s with a debug line', (opt) => {
    const t = one({ destination: '/t', type: 'tmpfs', source: 'tmpfs', options: [opt] });
    expect(t.steps[0]?.options).toEqual([]);
    expect(t.debug).toEqual([`config.json: /mounts/0: ignoring mount option "${opt}": no meaning on FreeBSD`]);
  });
  it('rbind is nullfs with a debug note that submounts are not shown', () => {
    expect(one({ destination: '/d', source: '/s', options: ['rbind'] }).debug[0]).toContain('nullfs does not show file systems mounted below /s');
  });
  it.each(['remount', 'idmap', 'ridmap', 'tmpcopyup'])('refuses %s', (opt) => {
    expect(errorOf(() => one({ destination: '/t', type: 'tmpfs', source: 'tmpfs', options: [opt] }))).toBe(
      `config.json: /mounts/0: mount option "${opt}" is not supported by the FreeBSD backend`,
    );
  });
  it('refuses an option that is neither a name nor name=value', () => {
    expect(errorOf(() => one({ destination: '/t', type: 'tmpfs', source: 'tmpfs', options: ['a b'] }))).toContain('"a b" is not a name or name=value');
  });
});

describe('option names that are Object.prototype members', () => {
  it('are options like any other, not flags: a nullfs mount refuses them', () => {
    for (const opt of ['constructor', 'toString', 'rconstructor']) {
      expect(() => one({ destination: '/d', source: '/s', options: ['bind', opt] })).toThrow(`mount option "${opt}" is not a nullfs option`);
    }
  });
});

describe('devfs options', () => {
  it('ruleset=N becomes an include, rule= options become rules; neither reaches nmount', () => {
    const t = one({ destination: '/dev', type: 'devfs', source: 'devfs', options: ['ruleset=4', "rule=path 'bpf*' unhide", 'rule=path pf unhide mode 0600'] });
    expect(t.requestedRules).toEqual([['include', '4'], ['path', 'bpf*', 'unhide'], ['path', 'pf', 'unhide', 'mode', '0600']]);
    expect(t.steps[0]?.options).toEqual([]);
    expect(t.steps[0]?.devfs).toBe(true);
  });
  it('refuses a bad ruleset number and a bad rule', () => {
    expect(errorOf(() => one({ destination: '/dev', type: 'devfs', source: 'devfs', options: ['ruleset=four'] }))).toContain('ruleset=four: not a ruleset number');
    expect(errorOf(() => one({ destination: '/dev', type: 'devfs', source: 'devfs', options: ['rule=path pf frobnicate'] }))).toContain('unknown word "frobnicate"');
  });
  it('ruleset= on another file system is an ordinary option', () => {
    expect(step({ destination: '/t', type: 'tmpfs', source: 'tmpfs', options: ['ruleset=4'] })?.options).toEqual([['ruleset', '4']]);
  });
});

describe('destinations', () => {
  it.each([
    ['/a/b/', '/a/b'],
    ['/a/./b', '/a/b'],
    ['/a/../../b', '/b'],
    ['relative/path', '/relative/path'],
  ])('%s → %s', (d, out) => {
    expect(normaliseDestination(d, 'w')).toBe(out);
  });
  it('keeps config order', () => {
    const t = translateMounts([
      { destination: '/a', type: 'tmpfs', source: 'tmpfs' },
      { destination: '/a/b', source: '/src', options: ['bind'] },
    ]);
    expect(t.steps.map((s) => [s.origin, s.destination])).toEqual([[0, '/a'], [1, '/a/b']]);
  });
  it('formats for runj check', () => {
    expect(formatMount(step({ destination: '/d', source: '/s', options: ['bind', 'ro', 'nosuid'] }) as never)).toBe('nullfs /s on /d flags MNT_RDONLY|MNT_NOSUID');
    expect(formatMount(step({ destination: '/dev', type: 'devfs', source: 'devfs' }) as never, 5001)).toBe('devfs devfs on /dev (ruleset=5001)');
  });
});

describe('options each file system knows', () => {
  // nullfs, fdescfs and the pseudofs file systems never call vfs_filteropt():
  // the kernel would mount them and silently drop an unknown option.
  it.each<[Mount, string]>([
    [{ destination: '/d', source: '/s', options: ['bind', 'size=1m'] }, 'mount option "size" is not a nullfs option (nullfs knows: cache, nocache'],
    [{ destination: '/d', type: 'nullfs', source: '/s', options: ['nocahce'] }, 'mount option "nocahce" is not a nullfs option'],
    [{ destination: '/dev/fd', type: 'fdescfs', source: 'fdesc', options: ['linrdlink'] }, 'mount option "linrdlink" is not a fdescfs option (fdescfs knows: linrdlnk, nodup'],
    [{ destination: '/proc', type: 'procfs', source: 'proc', options: ['hidepid=2'] }, 'mount option "hidepid" is not a procfs option (procfs takes none'],
    [{ destination: '/compat/proc', type: 'linprocfs', source: 'linproc', options: ['x=1'] }, 'is not a linprocfs option'],
    [{ destination: '/compat/sys', type: 'linsysfs', source: 'linsys', options: ['mode=0755'] }, 'is not a linsysfs option'],
  ])('%j is refused before anything is mounted', (m, message) => {
    const err = errorOf(() => one(m));
    expect(err).toContain('config.json: /mounts/0: ');
    expect(err).toContain(message);
  });
  it.each<Mount>([
    { destination: '/d', source: '/s', options: ['bind', 'nocache'] },
    { destination: '/d', type: 'nullfs', source: '/s', options: ['cache', 'union'] },
    { destination: '/dev/fd', type: 'fdescfs', source: 'fdesc', options: ['linrdlnk', 'nodup'] },
    { destination: '/proc', type: 'procfs', source: 'proc', options: ['multilabel'] },
  ])('%j is passed on', (m) => {
    expect(one(m).steps).toHaveLength(1);
  });
  it('tmpfs and devfs check their options themselves (vfs_filteropt): passed on for the kernel to judge', () => {
    expect(step({ destination: '/t', type: 'tmpfs', source: 'tmpfs', options: ['sizee=1m'] })?.options).toEqual([['sizee', '1m']]);
  });
});
