/**
 * A container root given as mounts (the containerd shim's Create), on
 * FreeBSD. containerd's snapshotters there hand one of two kinds:
 *
 * - native (the default): `nullfs` of the snapshot directory, option "rw"
 *   for a container's active snapshot, "ro" for a view
 *   (plugins/snapshots/native, mountType "nullfs" on FreeBSD);
 * - zfs (containerd/zfs): `zfs` of a dataset name (a clone with a legacy
 *   mountpoint), option "ro" for a view.
 *
 * containerd runs `mount -o OPT -t TYPE SRC DST` (core/mount/mount_freebsd.go);
 * runj calls nmount(2) itself, as for every other mount: the source goes in
 * nullfs's "target" option or zfs's "from" option, and the generic options
 * become MNT_* flags, the translation vfs_donmount() (sys/kern/vfs_mount.c)
 * applies to the same names given as options ("ro" → MNT_RDONLY, "rw" clears
 * it). Mounts stack on the target in order (containerd's mount.All); each
 * one's fsid is noted so a failure unmounts exactly what this call mounted.
 * planRootfs is pure; the rest goes through the Host (ffi.ts, or the
 * libjailtest double in tests).
 */
import * as fs from 'node:fs';
import type { RootfsMount } from '../../backend/sandbox.js';
import { RuntimeError, invalid, unsupported } from '../../core/errors.js';
import type { Host } from './host.js';
import type { IovPair } from './iov.js';
import { FS_OPTIONS } from './fsOptions.js';
import { fsKey } from './mountpoint.js';
import { FLAGS, flagOf } from './mounts.js';
import { unmountPatiently } from './system.js';

/** The file systems containerd's FreeBSD snapshotters hand, and the nmount option that names the source. */
export const ROOTFS_TYPES: Readonly<Record<string, 'target' | 'from'>> = { nullfs: 'target', zfs: 'from' };

export interface RootfsStep {
  fstype: string;
  source: string;
  flags: number;
  /** Options the file system itself reads (nullfs's cache/nocache), by name. */
  options: string[];
}

/** Checks and translates Create's rootfs mounts; an error names the mount, and the type or option. */
export function planRootfs(mounts: readonly RootfsMount[]): RootfsStep[] {
  return mounts.map((m, i) => {
    const where = `rootfs mount ${i} (${m.type || 'no type'} ${m.source})`;
    if (!Object.hasOwn(ROOTFS_TYPES, m.type)) {
      throw unsupported(`${where}: type "${m.type}" is not supported on FreeBSD (${Object.keys(ROOTFS_TYPES).join(' or ')}: containerd's native and zfs snapshotters)`);
    }
    if (m.target) throw unsupported(`${where}: a mount on a subdirectory of the root ("${m.target}") is not supported`);
    if (!m.source || m.source.includes('\0')) throw invalid(`${where}: the source is empty or not a string`);
    if (m.type === 'nullfs' && !m.source.startsWith('/')) throw invalid(`${where}: a nullfs source must be an absolute path`);
    if (m.type === 'zfs' && m.source.startsWith('/')) throw invalid(`${where}: a zfs source is a dataset name (pool/dataset), not a path`);
    let flags = 0;
    const options: string[] = [];
    const own = FS_OPTIONS[m.type] ?? [];
    for (const opt of m.options) {
      const flag = flagOf(opt);
      if (flag) flags = flag[0] ? flags | flag[1] : flags & ~flag[1];
      else if (own.includes(opt)) options.push(opt);
      else {
        const known = [...Object.keys(FLAGS), ...own].join(', ');
        throw unsupported(`${where}: mount option "${opt}" is not supported (${known})`);
      }
    }
    return { fstype: m.type, source: m.source, flags, options };
  });
}

const z = (s: string) => Buffer.from(`${s}\0`);

function pairs(step: RootfsStep, fspath: string): IovPair[] {
  const out: IovPair[] = [
    { name: z('fstype'), value: z(step.fstype) },
    { name: z('fspath'), value: z(fspath) },
    { name: z(ROOTFS_TYPES[step.fstype] as string), value: z(step.source) },
  ];
  for (const o of step.options) out.push({ name: z(o), value: null });
  return out;
}

/** Mounts each on target in order; on a failure, unmounts the ones before it (by fsid) and throws. */
export function mountRootfsFreeBSD(h: Host, target: string, mounts: readonly RootfsMount[]): void {
  if (mounts.length === 0) return;
  const steps = planRootfs(mounts);
  fs.mkdirSync(target, { recursive: true, mode: 0o711 });
  const dir = fs.realpathSync(target); // f_mntonname is the real path: what getfsstat will show
  const fsids: string[] = [];
  for (const [i, s] of steps.entries()) {
    try {
      h.sys.nmount(pairs(s, dir), s.flags, `rootfs mount ${i}: ${s.fstype} ${s.source} on ${dir}`);
      fsids.push(fsKey(h.sys.statfs(dir))); // statfs sees the topmost mount: this one
    } catch (err) {
      const undo: string[] = [];
      for (const fsid of fsids.reverse()) {
        try {
          unmountPatiently(h, dir, fsid);
        } catch (e) {
          undo.push((e as Error).message);
        }
      }
      if (undo.length && err instanceof Error) err.message += `; unmounting the mounts before it also failed: ${undo.join('; ')}`;
      throw err;
    }
  }
}

/**
 * Unmounts every mount on target and below it, last mounted first
 * (getfsstat(2) lists in mount order), each by fsid, retried while busy and
 * forced (MNT_FORCE) only after that (unmountPatiently). A target that does
 * not exist or has nothing mounted is fine: the delete action runs this
 * whatever state a dead shim left.
 */
export function unmountRootfsFreeBSD(h: Host, target: string): void {
  let dir: string;
  try {
    dir = fs.realpathSync(target);
  } catch {
    return;
  }
  const errors: string[] = [];
  const ours = h.sys.getfsstat().filter((s) => s.on === dir || s.on.startsWith(`${dir}/`));
  for (const s of ours.reverse()) {
    try {
      unmountPatiently(h, s.on, fsKey(s));
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  if (errors.length) throw new RuntimeError('ESYSTEM', `rootfs: unmounting ${dir}: ${errors.join('; ')}`);
}
