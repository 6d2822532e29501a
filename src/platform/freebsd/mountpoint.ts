/**
 * Mount points inside the container's root, safe against a process that
 * renames directories of the rootfs while runj mounts (swapping one for a
 * symlink to a host path). Two halves:
 *
 * - resolveMountPoint walks the destination from a root directory fd, one
 *   component at a time with openat(O_DIRECTORY|O_NOFOLLOW), creating what
 *   is missing with mkdirat (or O_CREAT|O_EXCL|O_NOFOLLOW for a file) in its
 *   parent's fd. Symlinks are read here and resolved as if the root were
 *   "/", ".." stops at the root: the container's view of the path.
 * - mountAt: nmount(2) takes a path and its lookup follows symlinks
 *   (sys/kern/vfs_mount.c, vfs_domount: namei with FOLLOW), so the walk
 *   cannot be handed to it. Instead the parent directory is held open across
 *   the call and the result checked: statfs(path) must name this mount
 *   (f_mntonname is the covered vnode's global path, vn_path_to_global_path
 *   in vfs_cache.c), the mount must be what parent/name shows now, its root's
 *   ".." must be the held parent (vfs_lookup.c crosses from a mount's root to
 *   the covered vnode for ".."), and the walk again from the root must still
 *   reach that parent without meeting a symlink. Otherwise the mount went
 *   elsewhere: it is unmounted by fsid (MNT_BYFSID reaches it whatever its
 *   path) and the step fails.
 */
import * as path from 'node:path';
import { RuntimeError } from '../../core/errors.js';
import { AT, MAXSYMLINKS, O, S_IF } from './abi.js';
import { E } from './errno.js';
import type { FileStat, FsStat, SyscallError } from './ffi.js';

/** The calls of ffi.ts this needs. */
export interface FsSyscalls {
  openat(dirfd: number, p: string, flags: number, mode?: number): number;
  mkdirat(dirfd: number, p: string, mode: number): void;
  closeFd(fd: number): void;
  readlinkat(dirfd: number, p: string): string;
  fstat(fd: number): FileStat;
  fstatat(dirfd: number, p: string, flags: number): FileStat;
  statfs(p: string): FsStat;
  fstatfs(fd: number): FsStat;
  getfsstat(): FsStat[];
  unmountFsid(fsid: readonly [number, number], flags: number, what?: string): void;
}

/* EMLINK is open(2)'s answer to O_NOFOLLOW on a symlink. */
const { ENOENT, EEXIST, ENOTDIR, EMLINK, ELOOP, EROFS } = E;
const MAX_LINKS = MAXSYMLINKS;
const MAX_MAKES = 64; // components made per destination: bounds a loop against a racing rmdir
const DIR = O.RDONLY | O.DIRECTORY | O.NOFOLLOW | O.CLOEXEC;
const FILE = O.RDONLY | O.NONBLOCK | O.NOFOLLOW | O.CLOEXEC; // O_NONBLOCK: a fifo must not block the open

const errnoOf = (err: unknown) => (err as SyscallError | undefined)?.errno;
const sameFile = (a: FileStat, b: FileStat) => a.dev === b.dev && a.ino === b.ino;
/** An fsid as "val0:val1" (how SetUpData records it). */
export const fsKey = (s: Pick<FsStat, 'fsid'>) => `${s.fsid[0]}:${s.fsid[1]}`;

/**
 * The destination's components inside `root`, symlinks resolved, with what
 * was missing created (host paths appended to `created`). The last
 * component is a file for kind 'file'. Where `root` is a read-only view of
 * `fallbackRoot` (EROFS), missing components are made in the real root at
 * the same place (walked there with O_NOFOLLOW too).
 */
export function resolveMountPoint(sys: FsSyscalls, root: string, dest: string, kind: 'dir' | 'file', created: string[], fallbackRoot?: string): string[] {
  const fail = (why: string) => new RuntimeError('ESYSTEM', `resolve ${dest} in ${root}: ${why}`);
  const rootFd = sys.openat(AT.FDCWD, root, O.RDONLY | O.DIRECTORY | O.CLOEXEC);
  const held: { fd: number; name: string }[] = [];
  const parts = dest.split('/').filter((c) => c !== '' && c !== '.');
  let links = 0;
  let makes = 0;
  try {
    while (parts.length) {
      const c = parts.shift() as string;
      if (c === '..') {
        const up = held.pop(); // at the root, ".." stays there
        if (up) sys.closeFd(up.fd);
        continue;
      }
      const top = held.at(-1)?.fd ?? rootFd;
      const file = !parts.length && kind === 'file';
      const here = path.join(root, ...held.map((h) => h.name), c);
      let fd: number;
      try {
        fd = sys.openat(top, c, file ? FILE : DIR);
      } catch (err) {
        const e = errnoOf(err);
        if (e === ENOENT) {
          if (++makes > MAX_MAKES) throw fail(`${here} keeps disappearing`);
          const names = held.map((h) => h.name);
          const make = (dirFd: number, host: string) => {
            if (file) sys.closeFd(sys.openat(dirFd, c, O.WRONLY | O.CREAT | O.EXCL | O.NOFOLLOW | O.CLOEXEC, 0o644));
            else sys.mkdirat(dirFd, c, 0o755);
            created.push(host);
          };
          try {
            try {
              make(top, here);
            } catch (mk) {
              if (errnoOf(mk) !== EROFS || !fallbackRoot) throw mk;
              const real = openChain(sys, fallbackRoot, names);
              try {
                make(real, path.join(fallbackRoot, ...names, c));
              } finally {
                sys.closeFd(real);
              }
            }
          } catch (mk) {
            if (errnoOf(mk) !== EEXIST) throw new RuntimeError('ESYSTEM', `create mount point ${here}: ${(mk as Error).message}`);
          }
          parts.unshift(c); // opened (O_NOFOLLOW) on the next turn, whatever is there by then
          continue;
        }
        if (e !== EMLINK && e !== ELOOP && e !== ENOTDIR) throw err;
        if ((sys.fstatat(top, c, AT.SYMLINK_NOFOLLOW).mode & S_IF.MT) !== S_IF.LNK) throw fail(`${here} is not a directory`);
        if (++links > MAX_LINKS) throw fail('too many symbolic links');
        const target = sys.readlinkat(top, c);
        if (target.startsWith('/')) for (const h of held.splice(0)) sys.closeFd(h.fd);
        parts.unshift(...target.split('/').filter((x) => x !== '' && x !== '.'));
        continue;
      }
      held.push({ fd, name: c });
    }
    return held.map((h) => h.name);
  } finally {
    for (const h of held) sys.closeFd(h.fd);
    sys.closeFd(rootFd);
  }
}

/** Opens root/dirs with O_NOFOLLOW at every step: a symlink anywhere fails. */
function openChain(sys: FsSyscalls, root: string, dirs: readonly string[]): number {
  let fd = sys.openat(AT.FDCWD, root, O.RDONLY | O.DIRECTORY | O.CLOEXEC);
  for (const d of dirs) {
    try {
      const next = sys.openat(fd, d, DIR);
      sys.closeFd(fd);
      fd = next;
    } catch (err) {
      sys.closeFd(fd);
      throw err;
    }
  }
  return fd;
}

/**
 * Mounts (through `mount(target)`) on root/rel, where rel came from
 * resolveMountPoint, and checks that the mount landed there. `what` names the
 * destination in errors; `source` is the mount's f_mntfromname. Returns the
 * path and the new mount's fsid (fsKey), by which delete unmounts it.
 */
export function mountAt(
  sys: FsSyscalls,
  root: string,
  rel: readonly string[],
  kind: 'dir' | 'file',
  m: { what: string; fstype: string; source: string; mount: (target: string) => void },
): { target: string; fsid: string } {
  const target = path.join(root, ...rel);
  const before = new Set(sys.getfsstat().map(fsKey));
  const parent = openChain(sys, root, rel.slice(0, -1));
  try {
    const parentSt = sys.fstat(parent);
    m.mount(target);
    const on = landed(sys, root, rel, kind, target, parent, parentSt);
    if (on === undefined) return { target, fsid: fsKey(sys.statfs(target)) };
    // Not where it was checked: every new mount of this source is ours to undo.
    const ours = sys.getfsstat().filter((s) => !before.has(fsKey(s)) && s.fstype === m.fstype && s.from === m.source);
    for (const s of ours) sys.unmountFsid(s.fsid, 0);
    const where = ours.length ? ours.map((s) => s.on).join(', ') : on;
    throw new RuntimeError(
      'ESYSTEM',
      `${m.what}: the mount point was replaced while mounting (mounted on ${where}, not ${target}); ${ours.length ? 'unmounted it' : 'the mount was not found to undo it'}`,
    );
  } finally {
    sys.closeFd(parent);
  }
}

/** undefined when the mount on target is the one at the held parent; else where statfs says target is. */
function landed(sys: FsSyscalls, root: string, rel: readonly string[], kind: 'dir' | 'file', target: string, parent: number, parentSt: FileStat): string | undefined {
  let st: FsStat;
  try {
    st = sys.statfs(target);
  } catch {
    return '(gone)';
  }
  if (st.on !== target) return st.on;
  try {
    const fd = sys.openat(parent, rel.at(-1) as string, kind === 'dir' ? DIR : FILE);
    try {
      if (fsKey(sys.fstatfs(fd)) !== fsKey(st)) return st.on;
      if (kind === 'dir' && !sameFile(sys.fstatat(fd, '..', 0), parentSt)) return st.on;
    } finally {
      sys.closeFd(fd);
    }
    const again = openChain(sys, root, rel.slice(0, -1));
    try {
      if (!sameFile(sys.fstat(again), parentSt)) return st.on;
    } finally {
      sys.closeFd(again);
    }
  } catch {
    return st.on; // a symlink (EMLINK) or a missing directory where the walk went before
  }
  return undefined;
}
