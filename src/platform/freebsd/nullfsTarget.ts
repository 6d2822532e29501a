/**
 * What nullfs can mount where, checked before nmount(2) so the error says
 * what is wrong instead of the kernel's bare EINVAL:
 *  - nullfs_mount (sys/fs/nullfs/null_vfsops.c) takes only a directory or
 *    a regular file as source, and only onto a mount point of the same type;
 *  - vfs_domount_first (sys/kern/vfs_mount.c) mounts on a regular file only
 *    when it has exactly one hard link (va_nlink != 1 is EINVAL).
 */
import * as fs from 'node:fs';
import { invalid, systemError } from '../../core/errors.js';
import type { MountStep } from './mounts.js';

const where = (step: MountStep) => `mounts/${step.origin} (${step.destination})`;

/** The source's kind, which the mount point must have too. */
export function nullfsSourceKind(step: MountStep): 'dir' | 'file' {
  let st: fs.Stats;
  try {
    st = fs.statSync(step.source);
  } catch (err) {
    throw systemError(`mounts/${step.origin}: source ${step.source}`, err);
  }
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  throw invalid(`${where(step)}: cannot mount ${step.source}: nullfs mounts only directories and regular files`);
}

/** The resolved mount point (symlink-free) against the source's kind. */
export function checkNullfsTarget(step: MountStep, kind: 'dir' | 'file', target: string): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(target);
  } catch (err) {
    throw systemError(`${where(step)}: mount point ${target}`, err);
  }
  const targetKind = st.isDirectory() ? 'directory' : st.isFile() ? 'file' : 'special file';
  if ((kind === 'dir') !== st.isDirectory() || (kind === 'file' && !st.isFile())) {
    throw invalid(
      `${where(step)}: cannot mount ${kind === 'dir' ? 'directory' : 'file'} ${step.source} on ${target}, a ${targetKind}: ` +
        'nullfs mounts a directory only on a directory and a file only on a file',
    );
  }
  if (kind === 'file' && st.nlink !== 1) {
    throw invalid(`${where(step)}: cannot mount a file on ${target}: it has ${st.nlink} hard links, and FreeBSD mounts only on a file with one`);
  }
}

/** After the walk refused the destination: the nullfs reason, when the
 * destination is a plain file or directory (a symlink is the walk's to judge). */
export function explainNullfsTarget(step: MountStep, kind: 'dir' | 'file', target: string): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(target);
  } catch {
    return;
  }
  if (st.isDirectory() || st.isFile()) checkNullfsTarget(step, kind, target);
}
