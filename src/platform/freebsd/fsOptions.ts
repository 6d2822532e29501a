/**
 * The nmount(2) options a file system that does not check its own options
 * understands. tmpfs and devfs pass their options through vfs_filteropt()
 * (sys/kern/vfs_mount.c), which fails the mount with "mount option <x> is
 * unknown"; nullfs (null_vfsops.c nullfs_mount), fdescfs (fdesc_vfsops.c
 * fdesc_mount) and the pseudofs file systems (procfs, linprocfs, linsysfs:
 * pseudofs_vfsops.c pfs_mount) only look up the options they know and
 * silently mount without the rest. runj checks those itself, so a typo is an
 * error rather than a mount that lacks what was asked for. Pure.
 */
import { invalid } from '../../core/errors.js';

/**
 * Options vfs_donmount() itself turns into MNT_* flags for every file system
 * (vfs_mount.c), beyond the ones mounts.ts already maps to flags.
 */
const GENERIC = ['union', 'multilabel', 'noclusterr', 'noclusterw', 'suiddir', 'automounted', 'untrusted'];

/** Per file system: the options it reads; absent file systems check their own. */
export const FS_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  // "target" (or "from") carries the source and is set by runj.
  nullfs: ['cache', 'nocache'],
  fdescfs: ['linrdlnk', 'nodup'],
  procfs: [],
  linprocfs: [],
  linsysfs: [],
};

export function checkFsOptions(fstype: string, options: readonly [string, string | null][], where: string): void {
  const known = FS_OPTIONS[fstype];
  if (!known) return;
  for (const [name] of options) {
    if (known.includes(name) || GENERIC.includes(name)) continue;
    const list = known.length ? `${fstype} knows: ${known.join(', ')}` : `${fstype} takes none`;
    throw invalid(`${where}: mount option "${name}" is not a ${fstype} option (${list}; ${fstype} would ignore it silently)`);
  }
}
