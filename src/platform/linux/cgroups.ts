/**
 * The cgroup side of the Linux backend: create the container's cgroups and
 * write its limits (at create), find its processes (ps, kill --all), freeze
 * and thaw them (pause, resume), remove the cgroups (delete).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RuntimeError, isErrno } from '../../core/errors.js';
import { sleepMs } from '../../core/time.js';
import type { CgroupWrite } from './cgroupResources.js';
import { type CgroupLayout, DEFAULT_CGROUP_PARENT, cgroupDirs, controllerDir, parseMountinfo } from './cgroupLayout.js';

export interface CgroupState {
  path: string;
  mode: 'v1' | 'v2';
  /** Every directory the container joined. */
  dirs: string[];
  /** Directories runj created, deepest last (removed in reverse). */
  created: string[];
  freezer: string | undefined;
}

export function hostLayout(): CgroupLayout {
  try {
    return parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
  } catch {
    return { mode: 'none', hierarchies: [], unified: undefined };
  }
}

function fail(what: string, err: unknown): RuntimeError {
  return new RuntimeError('ESYSTEM', `cgroup: ${what}: ${(err as Error).message}`);
}

/**
 * mkdir -p that reports which directories it made. The directory is made
 * first and its parents only when that fails for want of one: a container's
 * cgroup is new under a parent that exists, one mkdir per hierarchy rather
 * than two lookups and a mkdir (20 system calls fewer on ten v1 hierarchies).
 */
function mkdirs(dir: string, created: string[]): void {
  try {
    fs.mkdirSync(dir);
    created.push(dir);
    return;
  } catch (err) {
    if (isErrno(err, 'EEXIST')) return;
    if (!isErrno(err, 'ENOENT') || path.dirname(dir) === dir) throw fail(`create ${dir}`, err);
  }
  mkdirs(path.dirname(dir), created);
  try {
    fs.mkdirSync(dir);
    created.push(dir);
  } catch (err) {
    if (!isErrno(err, 'EEXIST')) throw fail(`create ${dir}`, err);
  }
}

/**
 * A new v1 cpuset cgroup starts with empty cpus and mems, and a process
 * cannot join it (ENOSPC). Every level from the hierarchy's root down to
 * `dir` is filled from its parent when empty: not only the levels this
 * create made, since a parent another create has just made (or one made
 * by hand) may not be filled yet. Concurrent creates write the same values.
 */
function initCpuset(root: string, dir: string): void {
  const levels = path.relative(root, dir).split(path.sep).filter(Boolean);
  for (let i = 1, d = root; i <= levels.length; i++) {
    const parent = d;
    d = path.join(root, ...levels.slice(0, i));
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      const f = path.join(d, file);
      if (fs.existsSync(f) && fs.readFileSync(f, 'utf8').trim() === '') {
        fs.writeFileSync(f, fs.readFileSync(path.join(parent, file), 'utf8').trim());
      }
    }
  }
}

/** v2: the parents must delegate the controllers the limits need. */
function enableControllers(layout: CgroupLayout, dir: string): void {
  const root = layout.unified as string;
  const chain: string[] = [];
  for (let d = path.dirname(dir); d.startsWith(root) && d.length >= root.length; d = path.dirname(d)) {
    chain.unshift(d);
    if (d === root) break;
  }
  for (const d of chain) {
    const available = fs.readFileSync(path.join(d, 'cgroup.controllers'), 'utf8').trim().split(/\s+/).filter(Boolean);
    const wanted = available.filter((c) => ['cpu', 'cpuset', 'memory', 'pids', 'io'].includes(c));
    if (wanted.length) {
      try {
        fs.writeFileSync(path.join(d, 'cgroup.subtree_control'), wanted.map((c) => `+${c}`).join(' '));
      } catch (err) {
        throw fail(`enable controllers ${wanted.join(',')} in ${d}`, err);
      }
    }
  }
}

export function setUpCgroups(layout: CgroupLayout, cgPath: string, writes: readonly CgroupWrite[]): CgroupState {
  if (layout.mode === 'none') throw new RuntimeError('ESYSTEM', 'cgroup: no cgroup file system is mounted');
  const state: CgroupState = { path: cgPath, mode: layout.mode, dirs: cgroupDirs(layout, cgPath), created: [], freezer: undefined };
  try {
    const kept = path.posix.dirname(cgPath) === DEFAULT_CGROUP_PARENT;
    for (const dir of state.dirs) {
      if (layout.mode === 'v2') enableControllers(layout, dir);
      mkdirs(dir, state.created);
      if (kept) state.created = state.created.filter((d) => d !== path.dirname(dir)); // made once, not this container's
      const cpusetDir = layout.mode === 'v1' ? controllerDir(layout, '/', 'cpuset') : undefined;
      const cpuset = cpusetDir && path.resolve(cpusetDir); // the hierarchy's mount, no trailing '/'
      if (cpuset && dir.startsWith(`${cpuset}/`)) initCpuset(cpuset, dir);
    }
    state.freezer = layout.mode === 'v2' ? controllerDir(layout, cgPath, '') : controllerDir(layout, cgPath, 'freezer');
    for (const w of writes) {
      const dir = controllerDir(layout, cgPath, w.controller);
      if (!dir) throw new RuntimeError('EUNSUPPORTED', `cgroup: the ${w.controller} controller is not mounted (needed for ${w.file})`);
      try {
        fs.writeFileSync(path.join(dir, w.file), w.value);
      } catch (err) {
        throw fail(`write ${w.value} to ${path.join(dir, w.file)}`, err);
      }
    }
    return state;
  } catch (err) {
    removeCgroups(state);
    throw err;
  }
}

/**
 * Removes the directories runj made. The container's own cgroups may still
 * be emptying (retried briefly); a parent runj made is removed only once no
 * other container uses it.
 */
export function removeCgroups(state: Pick<CgroupState, 'created' | 'dirs'>): void {
  for (const dir of [...state.created].reverse()) {
    const own = state.dirs.includes(dir);
    for (let attempt = 0; ; attempt++) {
      try {
        fs.rmdirSync(dir);
        break;
      } catch (err) {
        if (isErrno(err, 'ENOENT') || (!own && (isErrno(err, 'EBUSY') || isErrno(err, 'ENOTEMPTY')))) break;
        if (!isErrno(err, 'EBUSY') || attempt >= 60) throw fail(`remove ${dir}`, err);
        sleepMs(Math.min(2 ** attempt / 10, 20));
      }
    }
  }
}

export function cgroupPids(state: CgroupState): number[] {
  const dir = state.mode === 'v2' ? state.dirs.at(-1) : state.dirs[0];
  if (!dir) return [];
  try {
    return fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Freezes or thaws the cgroup and waits until the kernel says it is done. */
export function freeze(state: CgroupState, on: boolean): void {
  const dir = state.freezer;
  if (!dir) throw new RuntimeError('EUNSUPPORTED', 'cgroup: no freezer for this container');
  const v2 = state.mode === 'v2';
  fs.writeFileSync(path.join(dir, v2 ? 'cgroup.freeze' : 'freezer.state'), v2 ? (on ? '1' : '0') : on ? 'FROZEN' : 'THAWED');
  for (let i = 0; i < 500; i++) {
    const done = v2
      ? fs.readFileSync(path.join(dir, 'cgroup.events'), 'utf8').includes(`frozen ${on ? 1 : 0}`)
      : fs.readFileSync(path.join(dir, 'freezer.state'), 'utf8').trim() === (on ? 'FROZEN' : 'THAWED');
    if (done) return;
    sleepMs(2);
  }
  throw new RuntimeError('ESYSTEM', `cgroup: ${dir} did not ${on ? 'freeze' : 'thaw'}`);
}
