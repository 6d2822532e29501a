/**
 * OCI mounts → nmount(2) steps: file system type, MNT_* flags and name/value
 * options. Bind mounts become nullfs (directories and, on FreeBSD 14,
 * single files). devfs mounts get the container's generated ruleset; their
 * `ruleset=N` and podman's `rule=...` options become devfs rules. Pure.
 */
import * as path from 'node:path';
import type { Mount } from '../../plan/spec.js';
import { invalid, unsupported } from '../../core/errors.js';
import { MNT } from './abi.js';
import { type DevfsRule, parseRule } from './devfs.js';
import { checkFsOptions } from './fsOptions.js';

/** sys/mount.h flag bits (abi.ts). */
export { MNT } from './abi.js';

/** [set?, bits]: set ORs the bits in, otherwise they are cleared. */
export const FLAGS: Readonly<Record<string, readonly [boolean, number]>> = {
  ro: [true, MNT.RDONLY],
  rdonly: [true, MNT.RDONLY],
  rw: [false, MNT.RDONLY],
  noexec: [true, MNT.NOEXEC],
  exec: [false, MNT.NOEXEC],
  nosuid: [true, MNT.NOSUID],
  suid: [false, MNT.NOSUID],
  noatime: [true, MNT.NOATIME],
  atime: [false, MNT.NOATIME],
  sync: [true, MNT.SYNCHRONOUS],
  async: [true, MNT.ASYNC],
  nosymfollow: [true, MNT.NOSYMFOLLOW],
  symfollow: [false, MNT.NOSYMFOLLOW],
};

/** Linux options with no FreeBSD meaning and nothing to enforce: no device nodes outside devfs, no propagation. */
const LINUX_ONLY = new Set([
  'nodev', 'dev', 'rnodev', 'rdev', 'private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave', 'unbindable',
  'runbindable', 'relatime', 'norelatime', 'rrelatime', 'rnorelatime', 'strictatime', 'nostrictatime', 'rstrictatime',
  'rnostrictatime', 'lazytime', 'nolazytime', 'iversion', 'noiversion', 'mand', 'nomand', 'dirsync', 'diratime',
  'nodiratime', 'rdiratime', 'rnodiratime', 'silent', 'loud',
]);

/** Options that change what a mount is in ways FreeBSD cannot do. */
const REFUSED = new Set(['remount', 'move', 'idmap', 'ridmap', 'tmpcopyup']);

/** Linux pseudo file systems a Linux config mounts; on FreeBSD they are skipped. */
const LINUX_FS = new Set([
  'proc', 'sysfs', 'devpts', 'mqueue', 'cgroup', 'cgroup2', 'securityfs', 'debugfs', 'tracefs', 'hugetlbfs',
  'configfs', 'binfmt_misc', 'pstore', 'bpf', 'fusectl', 'efivarfs',
]);

export const FREEBSD_FS = ['nullfs', 'devfs', 'tmpfs', 'fdescfs', 'procfs', 'linprocfs', 'linsysfs'];

export interface MountStep {
  /** "root" for the read-only view of the root, else the index in config.json's mounts. */
  origin: 'root' | number;
  fstype: string;
  /** Absolute, normalised path inside the container ("/" for the root view). */
  destination: string;
  /** nullfs: the host path (the `target` option); others: the `from` option. */
  source: string;
  flags: number;
  /** Further nmount options in order; a null value is an option given by name alone. */
  options: [string, string | null][];
  /** nullfs mount points take the source's kind (file or directory); others are directories. */
  mountpoint: 'dir' | 'source';
  /** devfs: mounted with ruleset=<the container's generated ruleset>. */
  devfs: boolean;
}

export interface MountTranslation {
  steps: MountStep[];
  /** From devfs mounts: `include N` for ruleset=N, then the rule= options, in order. */
  requestedRules: DevfsRule[];
  debug: string[];
}

export function normaliseDestination(dest: string, where: string): string {
  if (!dest || dest.includes('\0')) throw invalid(`${where}/destination: must be a non-empty path`);
  const abs = path.posix.resolve('/', dest);
  if (abs === '/') throw invalid(`${where}/destination: a mount cannot replace the container's root`);
  return abs;
}

/** Every option translateMount gives a meaning (features' mountOptions): flags, their r-variants, bind. */
export const FREEBSD_MOUNT_OPTIONS: readonly string[] = [
  ...Object.keys(FLAGS),
  ...Object.keys(FLAGS).map((o) => `r${o}`),
  'bind',
  'rbind',
];

/** The flag an option name sets or clears; own names only ("constructor" is an option, not Object's). */
export function flagOf(opt: string): readonly [boolean, number] | undefined {
  return Object.hasOwn(FLAGS, opt) ? FLAGS[opt] : undefined;
}

function recursiveVariant(opt: string): string | undefined {
  return opt.startsWith('r') && flagOf(opt.slice(1)) ? opt.slice(1) : undefined;
}

export function translateMount(m: Mount, i: number, out: MountTranslation): void {
  const where = `config.json: /mounts/${i}`;
  let flags = 0;
  let bind = false;
  const options: [string, string | null][] = [];
  const devfsOpts: { ruleset?: string; rules: string[] } = { rules: [] };
  const isDevfs = m.type === 'devfs';
  for (const opt of m.options ?? []) {
    const flag = flagOf(opt) ?? flagOf(recursiveVariant(opt) ?? '');
    if (flag) {
      flags = flag[0] ? flags | flag[1] : flags & ~flag[1];
      if (opt === 'sync') flags &= ~MNT.ASYNC;
      if (opt === 'async') flags &= ~MNT.SYNCHRONOUS;
    } else if (opt === 'bind' || opt === 'rbind') {
      bind = true;
      if (opt === 'rbind') out.debug.push(`${where}: rbind: nullfs does not show file systems mounted below ${m.source}; mounted as bind`);
    } else if (LINUX_ONLY.has(opt) || opt.startsWith('x-') || opt.startsWith('X-')) {
      out.debug.push(`${where}: ignoring mount option "${opt}": no meaning on FreeBSD`);
    } else if (REFUSED.has(opt)) {
      throw unsupported(`${where}: mount option "${opt}" is not supported by the FreeBSD backend`);
    } else if (isDevfs && opt.startsWith('ruleset=')) {
      devfsOpts.ruleset = opt.slice('ruleset='.length);
    } else if (isDevfs && opt.startsWith('rule=')) {
      devfsOpts.rules.push(opt.slice('rule='.length));
    } else if (opt.includes('=')) {
      const eq = opt.indexOf('=');
      options.push([opt.slice(0, eq), opt.slice(eq + 1)]);
    } else if (/^[A-Za-z0-9_.-]+$/.test(opt)) {
      options.push([opt, null]);
    } else {
      throw invalid(`${where}: mount option "${opt}" is not a name or name=value`);
    }
  }
  const type = m.type ?? '';
  if (LINUX_FS.has(type) && !bind) {
    out.debug.push(`${where}: skipping ${type} mount on ${m.destination}: a Linux file system`);
    return;
  }
  const fstype = bind || type === 'bind' || type === 'nullfs' ? 'nullfs' : type;
  if (!fstype) throw invalid(`${where}/type: required for a mount that is not a bind mount`);
  if (!FREEBSD_FS.includes(fstype)) {
    throw unsupported(`${where}/type: "${type}" is not supported by the FreeBSD backend (${FREEBSD_FS.join(', ')} or a bind mount)`);
  }
  if (fstype === 'nullfs' && type && !['bind', 'nullfs', 'none'].includes(type)) {
    out.debug.push(`${where}: type "${type}" with a bind option: mounted as nullfs`);
  }
  const destination = normaliseDestination(m.destination, where);
  checkFsOptions(fstype, options, where);
  if (fstype === 'nullfs' && !(m.source && path.isAbsolute(m.source))) {
    throw invalid(`${where}/source: a bind mount needs a source path`);
  }
  if (isDevfs) {
    if (devfsOpts.ruleset !== undefined) {
      if (!/^[0-9]{1,5}$/.test(devfsOpts.ruleset)) throw invalid(`${where}: ruleset=${devfsOpts.ruleset}: not a ruleset number`);
      out.requestedRules.push(['include', String(Number(devfsOpts.ruleset))]);
    }
    for (const r of devfsOpts.rules) out.requestedRules.push(parseRule(r, `${where}: rule=${r}`));
  }
  out.steps.push({
    origin: i,
    fstype,
    destination,
    source: m.source ?? fstype,
    flags,
    options,
    mountpoint: fstype === 'nullfs' ? 'source' : 'dir',
    devfs: isDevfs,
  });
}

export function translateMounts(mounts: readonly Mount[]): MountTranslation {
  const out: MountTranslation = { steps: [], requestedRules: [], debug: [] };
  for (const [i, m] of mounts.entries()) translateMount(m, i, out);
  return out;
}

/** The read-only nullfs view of the root that becomes the jail's path when root.readonly is set. */
export function rootViewStep(rootfs: string): MountStep {
  return { origin: 'root', fstype: 'nullfs', destination: '/', source: rootfs, flags: MNT.RDONLY, options: [], mountpoint: 'dir', devfs: false };
}

/** Human-readable form for `runj check`. */
export function formatMount(s: MountStep, ruleset?: number | string): string {
  const opts = [...s.options.map(([k, v]) => (v === null ? k : `${k}=${v}`))];
  if (s.devfs) opts.push(`ruleset=${ruleset ?? '<generated>'}`);
  const flagNames = Object.entries(MNT).filter(([n, b]) => n !== 'UPDATE' && n !== 'FORCE' && s.flags & b).map(([n]) => `MNT_${n}`);
  return `${s.fstype} ${s.source} on ${s.destination}${flagNames.length ? ` flags ${flagNames.join('|')}` : ''}${opts.length ? ` (${opts.join(', ')})` : ''}`;
}
