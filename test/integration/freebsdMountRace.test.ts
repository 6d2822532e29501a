/**
 * FreeBSD mount points against the libjailtest double: a mount point swapped
 * for a symlink while mounting, and the ones nullfs would refuse with a bare EINVAL.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Spec } from '../../src/plan/spec.js';
import * as ffi from '../../src/platform/freebsd/ffi.js';
import { setUpFreeBSD, tearDownFreeBSD } from '../../src/platform/freebsd/system.js';
import { host, jailLines, log, mountLines, plan, rootfs, spec, str, t, tmp, useDouble } from './freebsdDouble.js';

useDouble();

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
