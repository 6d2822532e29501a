/**
 * OCI mount options → Linux mount(2) flags, propagation flags and data,
 * following runc's option table. Pure.
 */
import { unsupported } from '../../core/errors.js';

export const MS = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  SYNCHRONOUS: 0x10,
  REMOUNT: 0x20,
  MANDLOCK: 0x40,
  DIRSYNC: 0x80,
  NOSYMFOLLOW: 0x100,
  NOATIME: 0x400,
  NODIRATIME: 0x800,
  BIND: 0x1000,
  MOVE: 0x2000,
  REC: 0x4000,
  SILENT: 0x8000,
  UNBINDABLE: 0x20000,
  PRIVATE: 0x40000,
  SLAVE: 0x80000,
  SHARED: 0x100000,
  RELATIME: 0x200000,
  IVERSION: 0x800000,
  STRICTATIME: 0x1000000,
  LAZYTIME: 0x2000000,
} as const;

/** [set?, flag]: set=true ORs the flag in, false clears it. */
const FLAGS: Record<string, [boolean, number]> = {
  ro: [true, MS.RDONLY],
  rw: [false, MS.RDONLY],
  suid: [false, MS.NOSUID],
  nosuid: [true, MS.NOSUID],
  dev: [false, MS.NODEV],
  nodev: [true, MS.NODEV],
  exec: [false, MS.NOEXEC],
  noexec: [true, MS.NOEXEC],
  sync: [true, MS.SYNCHRONOUS],
  async: [false, MS.SYNCHRONOUS],
  dirsync: [true, MS.DIRSYNC],
  remount: [true, MS.REMOUNT],
  mand: [true, MS.MANDLOCK],
  nomand: [false, MS.MANDLOCK],
  atime: [false, MS.NOATIME],
  noatime: [true, MS.NOATIME],
  diratime: [false, MS.NODIRATIME],
  nodiratime: [true, MS.NODIRATIME],
  bind: [true, MS.BIND],
  rbind: [true, MS.BIND | MS.REC],
  relatime: [true, MS.RELATIME],
  norelatime: [false, MS.RELATIME],
  strictatime: [true, MS.STRICTATIME],
  nostrictatime: [false, MS.STRICTATIME],
  lazytime: [true, MS.LAZYTIME],
  nolazytime: [false, MS.LAZYTIME],
  iversion: [true, MS.IVERSION],
  noiversion: [false, MS.IVERSION],
  silent: [true, MS.SILENT],
  loud: [false, MS.SILENT],
  nosymfollow: [true, MS.NOSYMFOLLOW],
  symfollow: [false, MS.NOSYMFOLLOW],
};

const PROPAGATION: Record<string, number> = {
  private: MS.PRIVATE,
  rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED,
  rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE,
  rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE,
  runbindable: MS.UNBINDABLE | MS.REC,
};

/** Options runc knows that this backend does not implement. */
const REFUSED = new Set(['tmpcopyup', 'idmap', 'ridmap', 'rro', 'rrw', 'rnosuid', 'rsuid', 'rnodev', 'rdev', 'rnoexec', 'rexec', 'rnoatime', 'ratime', 'rrelatime', 'rnorelatime', 'rstrictatime', 'rnostrictatime', 'rnodiratime', 'rdiratime', 'rnosymfollow', 'rsymfollow']);

export interface ParsedOptions {
  flags: number;
  /** Propagation flags, applied one at a time after the mount. */
  propagation: number[];
  data: string;
  bind: boolean;
}

export function parseMountOptions(options: readonly string[], where: string): ParsedOptions {
  let flags = 0;
  const propagation: number[] = [];
  const data: string[] = [];
  for (const opt of options) {
    const flag = FLAGS[opt];
    if (flag) {
      flags = flag[0] ? flags | flag[1] : flags & ~flag[1];
    } else if (PROPAGATION[opt] !== undefined) {
      propagation.push(PROPAGATION[opt]);
    } else if (REFUSED.has(opt)) {
      throw unsupported(`${where}: mount option "${opt}" is not supported by the Linux backend`);
    } else {
      data.push(opt);
    }
  }
  return { flags, propagation, data: data.join(','), bind: (flags & MS.BIND) !== 0 };
}

export function rootPropagation(value: string | undefined): number {
  if (value === undefined || value === '') return MS.SLAVE | MS.REC;
  const flag = PROPAGATION[value];
  if (flag === undefined) throw unsupported(`config.json: /linux/rootfsPropagation: unknown value "${value}"`);
  return flag;
}

/** Every option name this backend understands (for `features`). */
export const MOUNT_OPTION_NAMES: readonly string[] = [...Object.keys(FLAGS), ...Object.keys(PROPAGATION)];
