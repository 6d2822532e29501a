/**
 * Mount destinations resolved inside the container's root the way the
 * container would see them: every symlink (the last component's too) is
 * resolved against the root, and ".." stops at the root, so a mount can
 * never land outside it. Missing components are created (directories, or
 * an empty file for a file bind mount) and recorded, so delete removes
 * exactly what runj made. With a read-only view of the root, a component
 * that cannot be created through the view (EROFS) is created in the real
 * root below it. Races with processes already running in the root are out
 * of scope: at create nothing runs there yet.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RuntimeError, isErrno, systemError } from '../../core/errors.js';

const MAX_LINKS = 40;

export interface ResolveOptions {
  /** Create what is missing; the last component is a file for 'file'. */
  create?: 'dir' | 'file';
  /** Where to create a component when `root` refuses with EROFS (the real root below a read-only view). */
  fallbackRoot?: string;
  /** Host paths created, appended in creation order. */
  created?: string[];
}

function make(dir: string, name: string, kind: 'dir' | 'file', opts: ResolveOptions, rel: string[]): void {
  const create = (p: string) => {
    if (kind === 'dir') fs.mkdirSync(p, { mode: 0o755 });
    else fs.closeSync(fs.openSync(p, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY | (fs.constants.O_NOFOLLOW ?? 0), 0o644));
    opts.created?.push(p);
  };
  try {
    create(path.join(dir, name));
  } catch (err) {
    if (isErrno(err, 'EROFS') && opts.fallbackRoot) create(path.join(opts.fallbackRoot, ...rel, name));
    else throw systemError(`create mount point ${path.join(dir, name)}`, err);
  }
}

/** The host path of `dest` inside `root`, free of symlinks. */
export function resolveInRoot(root: string, dest: string, opts: ResolveOptions = {}): string {
  const parts = dest.split('/').filter((c) => c !== '' && c !== '.');
  const resolved: string[] = [];
  let links = 0;
  while (parts.length) {
    const c = parts.shift() as string;
    if (c === '..') {
      resolved.pop();
      continue;
    }
    const dir = path.join(root, ...resolved);
    const p = path.join(dir, c);
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(p);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw systemError(`resolve ${dest} in ${root}`, err);
    }
    if (!st) {
      if (!opts.create) throw new RuntimeError('ESYSTEM', `resolve ${dest} in ${root}: ${p} does not exist`);
      make(dir, c, parts.length ? 'dir' : opts.create, opts, resolved);
      resolved.push(c);
      continue;
    }
    if (st.isSymbolicLink()) {
      if (++links > MAX_LINKS) throw new RuntimeError('ESYSTEM', `resolve ${dest} in ${root}: too many symbolic links`);
      const target = fs.readlinkSync(p);
      if (target.startsWith('/')) resolved.length = 0;
      parts.unshift(...target.split('/').filter((x) => x !== '' && x !== '.'));
      continue;
    }
    if (parts.length && !st.isDirectory()) throw new RuntimeError('ESYSTEM', `resolve ${dest} in ${root}: ${p} is not a directory`);
    resolved.push(c);
  }
  return path.join(root, ...resolved);
}

/** Removes what resolveInRoot created, last first: empty directories and empty files only. */
export function removeCreated(created: readonly string[]): string[] {
  const problems: string[] = [];
  for (const p of [...created].reverse()) {
    try {
      const st = fs.lstatSync(p);
      if (st.isDirectory()) fs.rmdirSync(p);
      else if (st.isFile() && st.size === 0) fs.unlinkSync(p);
    } catch (err) {
      // ENOTEMPTY: the container put files there; they are its, so the directory stays.
      if (!isErrno(err, 'ENOENT') && !isErrno(err, 'ENOTEMPTY')) problems.push(`remove ${p}: ${(err as Error).message}`);
    }
  }
  return problems;
}
