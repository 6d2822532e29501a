/**
 * The shim's FreeBSD side through the real FFI path against the libjailtest
 * double: Create's rootfs (containerd's nullfs and zfs snapshots) mounted
 * with nmount(2) and removed again, and a container's whole life under the
 * shim's Task handlers with the FreeBSD backend (the helper is the unit
 * tests' scripted one: nothing enters a jail on Linux).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ffi from '../../src/platform/freebsd/ffi.js';
import { freebsdProcessInfo, makeFreeBSDSandbox } from '../../src/platform/freebsd/sandbox.js';
import { cleanupShim } from '../../src/shim/cleanup.js';
import { taskHandlers } from '../../src/shim/handlers.js';
import { DeleteResponse, TaskStatus } from '../../src/shim/proto/task.js';
import type { OpenStdio } from '../../src/shim/stdio.js';
import type { CallContext } from '../../src/shim/ttrpc/service.js';
import { FakeHost } from '../unit/fakes/host.js';
import { host, log, mountLines, rootfs, spec, state, str, t, tmp, useDouble } from './freebsdDouble.js';

useDouble();

const calls = (re: RegExp) => log().split('\n').filter((l) => re.test(l));
const snapshot = (name: string) => {
  const dir = path.join(tmp, 'snapshots', name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
};

describe('Create\'s rootfs on FreeBSD', () => {
  it('native snapshotter: nullfs of the snapshot on the target ("rw": no flag); unmounted by its fsid', async () => {
    const sandbox = makeFreeBSDSandbox(host);
    const target = path.join(tmp, 'b2', 'rootfs'); // made when missing, as mount.All's callers do
    const snap = snapshot('12');
    await sandbox.mountRootfs(target, [{ type: 'nullfs', source: snap, options: ['rw'] }]);
    expect(calls(/^nmount/)).toEqual([`nmount flags=0x0 fstype="nullfs" fspath="${target}" target="${snap}" errmsg=[1024]`]);
    expect(mountLines()).toEqual([`mount nullfs ${target}`]);
    await sandbox.unmountRootfs(target);
    expect(calls(/^unmount/)).toEqual(['unmount "FSID:4097:58" flags=0x8000000']);
    expect(state()).toBe('');
  });

  it('a view ("ro") is MNT_RDONLY; a zfs dataset goes in "from"; several mounts stack in order', async () => {
    const sandbox = makeFreeBSDSandbox(host);
    await sandbox.mountRootfs(rootfs, [
      { type: 'zfs', source: 'zroot/containerd/7', options: ['ro'] },
      { type: 'nullfs', source: snapshot('8'), options: ['ro', 'nosuid', 'nocache'] },
    ]);
    expect(calls(/^nmount/)).toEqual([
      `nmount flags=0x1 fstype="zfs" fspath="${rootfs}" from="zroot/containerd/7" errmsg=[1024]`,
      `nmount flags=0x9 fstype="nullfs" fspath="${rootfs}" target="${tmp}/snapshots/8" nocache errmsg=[1024]`,
    ]);
    await sandbox.unmountRootfs(rootfs);
    // The top one first: the nullfs (4098), then the zfs under it.
    expect(calls(/^unmount/)).toEqual(['unmount "FSID:4098:58" flags=0x8000000', 'unmount "FSID:4097:58" flags=0x8000000']);
    expect(mountLines()).toEqual([]);
  });

  it('a type or option FreeBSD\'s snapshotters never hand is refused before any system call, by name', async () => {
    const sandbox = makeFreeBSDSandbox(host);
    await expect(sandbox.mountRootfs(rootfs, [{ type: 'overlay', source: 'overlay', options: ['lowerdir=/a'] }])).rejects.toThrow(
      'rootfs mount 0 (overlay overlay): type "overlay" is not supported on FreeBSD',
    );
    const snap = snapshot('1');
    await expect(sandbox.mountRootfs(rootfs, [{ type: 'nullfs', source: snap, options: ['rw'] }, { type: 'nullfs', source: snap, options: ['rbind'] }])).rejects.toThrow(
      `rootfs mount 1 (nullfs ${snap}): mount option "rbind" is not supported`,
    );
    expect(calls(/^nmount/)).toEqual([]);
  });

  it('a failed second mount unmounts the first, and says so when that fails too', async () => {
    const sandbox = makeFreeBSDSandbox(host);
    const mounts = [
      { type: 'nullfs', source: snapshot('1'), options: ['ro'] },
      { type: 'nullfs', source: snapshot('2'), options: ['rw'] },
    ];
    t.failAfter('nmount', 1, 1, 'nullfs: operation not permitted');
    await expect(sandbox.mountRootfs(rootfs, mounts)).rejects.toThrow(
      `rootfs mount 1: nullfs ${tmp}/snapshots/2 on ${rootfs}: nullfs: operation not permitted (EPERM)`,
    );
    expect(calls(/^(nmount|unmount)/).map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual(['nmount flags=0x1', 'nmount flags=0x0', 'unmount "FSID:4097:58"']);
    expect(mountLines()).toEqual([]);

    t.reset();
    t.failAfter('nmount', 1, 1, 'nullfs: operation not permitted');
    t.failNext('unmount', 1, '');
    const err = await sandbox.mountRootfs(rootfs, mounts).then(() => undefined, (e: Error) => e);
    expect(err?.message).toMatch(/\(EPERM\); unmounting the mounts before it also failed: unmount .*: Operation not permitted \(EPERM\)$/);
  });

  it('unmount: what was left below the root first, then the stack top down; busy is retried and forced only at the end', async () => {
    const sandbox = makeFreeBSDSandbox(host);
    await sandbox.mountRootfs(rootfs, [{ type: 'nullfs', source: snapshot('1'), options: ['ro'] }, { type: 'nullfs', source: snapshot('2'), options: [] }]);
    fs.mkdirSync(path.join(rootfs, 'dev'));
    ffi.nmount([{ name: str('fstype'), value: str('devfs') }, { name: str('fspath'), value: str(path.join(rootfs, 'dev')) }], 0); // a jail's, left behind
    for (let i = 0; i < 20; i++) t.failNext('unmount', 16, ''); // EBUSY: processes of a removed jail still exiting
    await sandbox.unmountRootfs(rootfs);
    const unmounts = calls(/^unmount/);
    expect(unmounts.slice(0, 20).every((l) => l === 'unmount "FSID:4099:58" flags=0x8000000')).toBe(true);
    expect(unmounts.slice(20)).toEqual([
      'unmount "FSID:4099:58" flags=0x8080000', // MNT_BYFSID|MNT_FORCE, after 20 refusals
      'unmount "FSID:4098:58" flags=0x8000000',
      'unmount "FSID:4097:58" flags=0x8000000',
    ]);
    expect(mountLines()).toEqual([]);
  });

  it('nothing mounted, or no such directory: no error and no unmount(2)', async () => {
    const sandbox = makeFreeBSDSandbox(host);
    await sandbox.unmountRootfs(rootfs);
    await sandbox.unmountRootfs(path.join(tmp, 'missing', 'rootfs'));
    expect(calls(/^unmount/)).toEqual([]);
  });

  it('the double\'s unmount(2) answers as sys_unmount does: ENOENT for an fsid, EINVAL for a path that is no mount', () => {
    expect(() => ffi.unmountFsid([4097, 58], 0)).toThrow('(ENOENT)');
    expect(() => ffi.unmount(rootfs, 0)).toThrow('(EINVAL)');
  });
});

describe('a container under the shim with the FreeBSD backend', () => {
  const call = {} as CallContext;
  const stdio = (): OpenStdio => ({ fds: [0, 1, 2], attach() {}, release() {}, started() {}, closeStdin() {}, close: async () => {} });

  async function shim() {
    const fh = new FakeHost();
    const sandbox = makeFreeBSDSandbox(host);
    const ctx = await fh.context({ platform: 'freebsd', backend: async () => sandbox });
    const events: string[] = [];
    const h = taskHandlers({
      ctx,
      publish: (type) => void events.push(type.name.replace('containerd.events.', '')),
      spawnHelper: (n) => fh.spawnHelper(n),
      shutdown() {},
      open: stdio,
    });
    const bundle = path.dirname(rootfs);
    fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(spec()));
    const snap = snapshot('5');
    const create = () =>
      h.Create!(
        { id: 'c1', bundle, rootfs: [{ type: 'nullfs', source: snap, target: '', options: ['rw'] }], terminal: false, stdin: '', stdout: '', stderr: '', checkpoint: '', parentCheckpoint: '', options: undefined },
        call,
      );
    return { fh, ctx, h, events, bundle, snap, create };
  }

  it('create (rootfs, then the jail on it) → start → the init\'s exit status → delete (the jail, then the rootfs)', async () => {
    const { fh, h, events, snap, create } = await shim();
    const { pid } = await create();
    const firstCalls = calls(/^(nmount|jail_set)/).map((l) => l.split(' ').slice(0, 3).join(' '));
    expect(firstCalls).toEqual([
      'nmount flags=0x0 fstype="nullfs"', // the rootfs, before the runtime reads the bundle's root
      `jail_set flags=0x1 name="c1"`,
      'nmount flags=0x0 fstype="devfs"',
      'nmount flags=0x1 fstype="nullfs"',
      'nmount flags=0x0 fstype="nullfs"',
    ]);
    expect(log()).toContain(`fspath="${rootfs}" target="${snap}"`);
    expect(log()).toContain(`jail_set flags=0x1 name="c1" path="${rootfs}"`);
    expect(fh.helpers[0]?.sent).toContainEqual(['jail', 1]);
    expect((await h.State!({ id: 'c1', execId: '' }, call)).status).toBe(TaskStatus.CREATED);
    await h.Start!({ id: 'c1', execId: '' }, call);
    fh.exit(fh.procs.get(pid as number)!, { code: 7, signal: null }); // the helper's parent half exits with the init's status
    expect((await h.Wait!({ id: 'c1', execId: '' }, call)).exitStatus).toBe(7);
    const before = log().length;
    expect((await h.Delete!({ id: 'c1', execId: '' }, call)).exitStatus).toBe(7);
    const after = log().slice(before).split('\n').filter((l) => /^(jail_remove|unmount)/.test(l));
    expect(after).toEqual([
      'jail_remove jid=1',
      'unmount "FSID:4100:58" flags=0x8000000', // the jail's mounts, last first
      'unmount "FSID:4099:58" flags=0x8000000',
      'unmount "FSID:4098:58" flags=0x8000000',
      'unmount "FSID:4097:58" flags=0x8000000', // then the rootfs
    ]);
    expect(state()).toBe('');
    expect(events).toEqual(['TaskCreate', 'TaskStart', 'TaskExit', 'TaskDelete']);
    expect(fh.leftovers().processes).toEqual([]);
  });

  it('a create that fails after the rootfs mount leaves neither a jail nor a mount', async () => {
    const { fh, h, create } = await shim();
    fh.script = { errorAt: 'hooks' };
    await expect(create()).rejects.toThrow('OCI runtime create failed: helper failed at hooks');
    expect(state()).toBe('');
    expect(h.tasks.size).toBe(0);
  });

  it('the delete action after a dead shim kills the jail\'s processes, removes the jail and the rootfs', async () => {
    const { fh, ctx, bundle, create } = await shim();
    const { pid } = await create(); // then the shim dies: only the delete action is left to clean up
    t.addProc(pid as number, 1, 1, 0, 3); // the container's init, in jail 1 as kern.proc shows it
    const flags = { namespace: 'default', address: '/run/containerd/containerd.sock', publishBinary: '', id: 'c1', bundle, debug: false, socket: '', action: 'delete' };
    // A new process, as containerd runs it: the jail's processes are found through kern.proc (the double), not the dead shim's memory.
    const over = { root: ctx.store.root, platform: 'freebsd', backend: ctx.backend, processInfo: freebsdProcessInfo, clock: fh.clock };
    const reply = DeleteResponse.decode(await cleanupShim(flags, over));
    expect([reply.pid, reply.exitStatus]).toEqual([pid, 137]);
    expect(calls(/^(kill|jail_remove)/)).toEqual([`kill pid=${pid} sig=9`, 'jail_remove jid=1']);
    expect(calls(/^unmount/).at(-1)).toBe('unmount "FSID:4097:58" flags=0x8000000');
    expect(state()).toBe('');
  });

  it('the delete action when the shim died before the container existed still unmounts the rootfs', async () => {
    const { fh, ctx, bundle, snap } = await shim();
    await (await ctx.backend('freebsd')).mountRootfs(rootfs, [{ type: 'nullfs', source: snap, options: ['rw'] }]);
    const flags = { namespace: 'default', address: '/run/containerd/containerd.sock', publishBinary: '', id: 'c1', bundle, debug: false, socket: '', action: 'delete' };
    const over = { root: ctx.store.root, platform: 'freebsd', backend: ctx.backend, processInfo: freebsdProcessInfo, clock: fh.clock };
    expect(DeleteResponse.decode(await cleanupShim(flags, over)).pid).toBe(0);
    expect(calls(/^(jail_remove|unmount)/)).toEqual(['unmount "FSID:4097:58" flags=0x8000000']);
    expect(state()).toBe('');
  });
});
