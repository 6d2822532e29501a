/**
 * Create's rootfs mounts → nmount(2) steps on FreeBSD (planRootfs, pure):
 * what containerd's native (nullfs) and zfs snapshotters hand is accepted,
 * options become the MNT_* flags vfs_donmount() gives the same names, and
 * anything else is refused naming the mount and the type or option.
 */
import { describe, expect, it } from 'vitest';
import { MNT } from '../../src/platform/freebsd/abi.js';
import { planRootfs } from '../../src/platform/freebsd/rootfs.js';

const nullfs = (options: string[], source = '/var/db/containerd/snapshots/3') => ({ type: 'nullfs', source, options });

describe('planRootfs', () => {
  it('takes what the native and zfs snapshotters hand', () => {
    expect(planRootfs([nullfs(['rw']), { type: 'zfs', source: 'zroot/containerd/9', options: ['ro'] }])).toEqual([
      { fstype: 'nullfs', source: '/var/db/containerd/snapshots/3', flags: 0, options: [] },
      { fstype: 'zfs', source: 'zroot/containerd/9', flags: MNT.RDONLY, options: [] },
    ]);
  });

  it('turns options into flags in order, the last word winning, and keeps nullfs\'s own options by name', () => {
    const flags = (o: string[]) => planRootfs([nullfs(o)])[0]?.flags;
    expect(flags(['ro'])).toBe(MNT.RDONLY);
    expect(flags(['rdonly'])).toBe(MNT.RDONLY);
    expect(flags(['ro', 'rw'])).toBe(0);
    expect(flags(['noexec', 'nosuid', 'noatime'])).toBe(MNT.NOEXEC | MNT.NOSUID | MNT.NOATIME);
    expect(flags(['noexec', 'exec'])).toBe(0);
    expect(planRootfs([nullfs(['nocache'])])[0]?.options).toEqual(['nocache']);
  });

  it('refuses other types, naming the mount and the type', () => {
    expect(() => planRootfs([nullfs([]), { type: 'overlay', source: 'overlay', options: [] }])).toThrow(
      'rootfs mount 1 (overlay overlay): type "overlay" is not supported on FreeBSD (nullfs or zfs: containerd\'s native and zfs snapshotters)',
    );
    expect(() => planRootfs([{ type: '', source: '/x', options: [] }])).toThrow('rootfs mount 0 (no type /x): type "" is not supported');
    expect(() => planRootfs([{ type: 'toString', source: '/x', options: [] }])).toThrow('type "toString" is not supported');
  });

  it('refuses options it cannot apply rather than mounting without them', () => {
    expect(() => planRootfs([nullfs(['rbind'])])).toThrow('rootfs mount 0 (nullfs /var/db/containerd/snapshots/3): mount option "rbind" is not supported (ro, rdonly, rw,');
    expect(() => planRootfs([{ type: 'zfs', source: 'zroot/c', options: ['nocache'] }])).toThrow('mount option "nocache" is not supported');
    expect(() => planRootfs([nullfs(['constructor'])])).toThrow('mount option "constructor" is not supported'); // not a flag of Object.prototype's
  });

  it('checks the source and the target', () => {
    expect(() => planRootfs([nullfs([], 'snapshots/3')])).toThrow('rootfs mount 0 (nullfs snapshots/3): a nullfs source must be an absolute path');
    expect(() => planRootfs([nullfs([], '')])).toThrow('the source is empty');
    expect(() => planRootfs([{ type: 'zfs', source: '/zroot/c', options: [] }])).toThrow('a zfs source is a dataset name (pool/dataset), not a path');
    expect(() => planRootfs([{ ...nullfs([]), target: 'var' }])).toThrow('a mount on a subdirectory of the root ("var") is not supported');
  });
});
