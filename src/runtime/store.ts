/**
 * The state store: <root>/<id>/ holds `lock`, `state.json` (rewritten, always
 * temp + fsync + rename, so a reader never sees half a document) and
 * `recovery.json` (written once before any resource exists: what teardown
 * needs when state.json is lost). A container directory appears complete by
 * one rename and disappears by one rename; docs/state.md has the protocol.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ContainerRecord } from '../backend/record.js';
import { alreadyExists, isErrno, notExist, systemError, RuntimeError } from '../core/errors.js';
import { type Lock, isLocked, tryLockFile } from './lock.js';

export type { ContainerRecord } from '../backend/record.js';

/** recovery.json: the backend and its prepare() data, enough for Sandbox.recover. */
export interface Recovery {
  platform: string;
  data?: Record<string, unknown>;
}

/** A container directory under construction: `.creating~<id>~<pid>~<rand>`, its lock held. */
export interface Staged {
  dir: string;
  lock: Lock;
}

const STATUSES = new Set(['creating', 'created', 'running', 'paused', 'stopped']);
// '~' cannot occur in an id (ids.ts), so no container is ever named like these.
const CREATING = /^\.creating~.*~(\d+)~[0-9a-f]{8}$/;
// Names only need to differ from a concurrent writer's (they also carry the pid, and every
// temp file is opened O_EXCL), not to be secret: Math.random, because loading node:crypto
// for four bytes cost every command ~5 ms of start-up (docs/performance.md).
const rand = () => Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');

/** The record in `text`, or a reason it is not one (garbage, null, {}, wrong fields). */
export function parseRecord(text: string, id: string): ContainerRecord | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not an object';
  const r = v as Partial<ContainerRecord>;
  if (r.id !== id) return `id is ${JSON.stringify(r.id)}, not ${JSON.stringify(id)}`;
  if (!Number.isInteger(r.pid) || (r.pid as number) < 0) return 'pid is not a non-negative integer';
  if (typeof r.status !== 'string' || !STATUSES.has(r.status)) return 'status is not a known status';
  if (typeof r.platform !== 'string') return 'platform is missing';
  if (r.sandbox !== undefined && (typeof r.sandbox !== 'object' || r.sandbox === null)) return 'sandbox is not an object';
  return r as ContainerRecord;
}

/**
 * Writes `content` to `file` by temp file + fsync + rename + directory fsync.
 * `syncDir` false: the caller fsyncs the directory itself, once for several
 * files (a staged directory, before it is published).
 */
function writeDurable(file: string, content: string, mode: number, syncDir = true): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${rand()}.tmp`);
  try {
    const fd = fs.openSync(tmp, 'wx', mode);
    try {
      fs.writeFileSync(fd, content);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  if (syncDir) fsyncDir(path.dirname(file));
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export class Store {
  /** Directories whose killed writers' temp files this process already removed. */
  private readonly swept = new Set<string>();

  constructor(readonly root: string) {}

  dir(id: string): string {
    return path.join(this.root, id);
  }
  file(id: string, name: string): string {
    return path.join(this.root, id, name);
  }

  /** Makes a hidden, locked directory for a new container; nothing named <id> exists yet. */
  stage(id: string): Staged {
    this.sweep();
    const dir = path.join(this.root, `.creating~${id}~${process.pid}~${rand()}`);
    // 0711, as runc: a container init that dropped to another uid still reaches exec.fifo through its open directory.
    mkdirInRoot(this.root, dir, 0o711);
    try {
      const lock = tryLockFile(path.join(dir, 'lock'), true);
      if (!lock) throw new Error('lock of a new directory is held');
      return { dir, lock };
    } catch (err) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw systemError(`create state directory ${dir}`, err);
    }
  }

  /** Renames a staged directory to <id>: the rename onto an existing container is the duplicate check. */
  publish(staged: Staged, id: string): string {
    const dir = this.dir(id);
    // The names written into it (recovery.json, state.json) are durable before the directory appears.
    fsyncDir(staged.dir);
    try {
      fs.renameSync(staged.dir, dir);
    } catch (err) {
      if (isErrno(err, 'ENOTEMPTY') || isErrno(err, 'EEXIST') || isErrno(err, 'ENOTDIR') || isErrno(err, 'EISDIR')) throw alreadyExists();
      throw systemError(`publish state directory ${dir}`, err);
    }
    fsyncDir(this.root);
    staged.dir = dir;
    return dir;
  }

  /** Drops a staged (never published) directory. */
  discard(staged: Staged): void {
    fs.rmSync(staged.dir, { recursive: true, force: true });
  }

  /** The uid owning the container's directory (its creator's). */
  ownerUid(id: string): number {
    return fs.statSync(this.dir(id)).uid;
  }

  exists(id: string): boolean {
    return fs.existsSync(this.dir(id));
  }

  /** The record, or "container does not exist", or an error naming the corrupt file. */
  load(id: string): ContainerRecord {
    const r = this.read(id);
    if (typeof r === 'string') throw new RuntimeError('ESYSTEM', `state of ${id} is corrupt (${r}): ${this.file(id, 'state.json')}`);
    return r;
  }

  /** Like load, but a missing or unusable state.json is a reason string, not an error. */
  read(id: string): ContainerRecord | string {
    let text: string;
    try {
      text = fs.readFileSync(this.file(id, 'state.json'), 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOTDIR') || (isErrno(err, 'ENOENT') && !this.exists(id))) throw notExist();
      if (isErrno(err, 'ENOENT')) return 'state.json is missing';
      throw systemError(`read state of ${id}`, err);
    }
    return parseRecord(text, id);
  }

  /**
   * Writes state.json into the container's directory (or the staged one). The
   * caller holds the lock, so any other temp file there is a killed writer's.
   */
  save(record: ContainerRecord, dir = this.dir(record.id)): void {
    try {
      // Once per directory and process: our own failed writes remove their temp files.
      if (!this.swept.has(dir)) {
        for (const name of fs.readdirSync(dir)) if (name.startsWith('.state.json.') && name.endsWith('.tmp')) fs.rmSync(path.join(dir, name), { force: true });
        this.swept.add(dir);
      }
      // No directory fsync: into a staged directory, publish() fsyncs it once for both files;
      // in a published one, state.json is already there (publish made it durable) and the
      // rename replaces a whole, fsynced record with another. Across a power cut either
      // survives whole, and both read alike: the container's processes are gone with the
      // host, so any record with a pid reads as stopped (docs/state.md, "Writes").
      writeDurable(path.join(dir, 'state.json'), JSON.stringify(record), 0o600, false);
    } catch (err) {
      throw systemError(`write state of ${record.id}`, err);
    }
  }

  saveRecovery(dir: string, recovery: Recovery): void {
    try {
      writeDurable(path.join(dir, 'recovery.json'), JSON.stringify(recovery), 0o600, !isStaged(dir));
    } catch (err) {
      throw systemError(`write recovery data in ${dir}`, err);
    }
  }

  readRecovery(id: string): Recovery | undefined {
    try {
      const v = JSON.parse(fs.readFileSync(this.file(id, 'recovery.json'), 'utf8')) as Recovery;
      return typeof v === 'object' && v !== null && typeof v.platform === 'string' ? v : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Removes the container directory: first renamed to a hidden `.trash~` name
   * (one atomic step: <id> is gone, and a waiter's O_CREAT of <id>/lock fails
   * ENOENT instead of recreating it), then deleted.
   */
  remove(id: string): void {
    const trash = path.join(this.root, `.trash~${id}~${process.pid}~${rand()}`);
    try {
      fs.renameSync(this.dir(id), trash);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return;
      throw systemError(`remove state directory ${this.dir(id)}`, err);
    }
    fsyncDir(this.root);
    removeTree(trash);
  }

  /** Removes what crashed operations left: every `.trash~*`, and `.creating~*` whose creator is gone. */
  sweep(): void {
    let names: string[];
    try {
      names = fs.readdirSync(this.root);
    } catch {
      return;
    }
    for (const name of names) {
      const full = path.join(this.root, name);
      const m = CREATING.exec(name);
      // The pid first: probing the lock of a live creator could make its own first lock attempt fail.
      if (m && !processExists(Number(m[1])) && !isLocked(path.join(full, 'lock'))) removeTree(full);
      else if (name.startsWith('.trash~')) removeTree(full);
    }
  }

  /** Ids of every container directory under the root (none when the root is missing). */
  ids(): string[] {
    try {
      return fs
        .readdirSync(this.root, { withFileTypes: true })
        .filter((d) => d.isDirectory() && !d.name.includes('~'))
        .map((d) => d.name)
        .sort();
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return [];
      throw systemError(`read root directory ${this.root}`, err);
    }
  }
}

/** A `.creating~` directory: not visible as a container until publish(). */
function isStaged(dir: string): boolean {
  return CREATING.test(path.basename(dir));
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return isErrno(err, 'EPERM');
  }
}

/** rm -r that tolerates another remover (or a late lock file) racing it. */
function removeTree(dir: string): void {
  // A container directory is flat (lock, state.json, recovery.json, exec.fifo, temp files):
  // each is unlinked and the directory removed, without loading Node's recursive remover
  // (internal/fs/rimraf) on every delete. Anything else (a directory inside) goes to it.
  try {
    for (const name of fs.readdirSync(dir)) fs.unlinkSync(path.join(dir, name));
    fs.rmdirSync(dir);
    return;
  } catch {}
  for (let i = 0; i < 5; i++) {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
      return;
    } catch (err) {
      if (i === 4) throw systemError(`remove ${dir}`, err);
    }
  }
}

/** Writes a file atomically, as runc does for --pid-file. */
export function writeFileAtomic(file: string, content: string): void {
  const abs = path.resolve(file);
  try {
    writeDurable(abs, content, 0o644);
  } catch (err) {
    throw systemError(`write ${abs}`, err);
  }
}

/**
 * mkdir(2) of `dir` in `root`, which is made (0700, with its parents) only when the first
 * mkdir finds it missing (ENOENT, ENOTDIR): a recursive mkdir of it is ~0.1 ms a create.
 */
function mkdirInRoot(root: string, dir: string, mode: number): void {
  try {
    fs.mkdirSync(dir, { mode });
    return;
  } catch (err) {
    if (!isErrno(err, 'ENOENT') && !isErrno(err, 'ENOTDIR')) throw systemError(`create state directory ${dir}`, err);
  }
  try {
    fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw systemError(`create root directory ${root}`, err);
  }
  try {
    fs.mkdirSync(dir, { mode });
  } catch (err) {
    throw systemError(`create state directory ${dir}`, err);
  }
}
