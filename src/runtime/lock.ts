/**
 * Per-container lock: flock(2) on <root>/<id>/lock. The kernel drops it when
 * the holder dies, so a crashed operation never leaves a stale lock. After
 * taking it we check the file is still the one at the path: `delete` renames
 * the directory away while waiters may hold the old inode. The protocol is
 * described in docs/state.md.
 */
import * as fs from 'node:fs';
import { sleepMs } from '../core/time.js';
import { RuntimeError, isErrno, notExist, systemError } from '../core/errors.js';
import { sys } from '../core/sys.js';

const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;
const EWOULDBLOCK = new Set([11, 35]); // Linux EAGAIN, FreeBSD EAGAIN

/** flock(2) through runj's addon: 0, or -errno. */
function flock(fd: number, op: number): number {
  return sys().flock(fd, op);
}

export interface Lock {
  release(): void;
}

/**
 * One non-blocking attempt on `file`: a Lock, or undefined when another
 * process holds it. `create` makes the file if missing (never its directory).
 */
export function tryLockFile(file: string, create = false): Lock | undefined {
  const fd = fs.openSync(file, fs.constants.O_RDWR | (create ? fs.constants.O_CREAT : 0), 0o600);
  const rc = flock(fd, LOCK_EX | LOCK_NB);
  if (rc === 0) return { release: () => release(fd) };
  const errno = -rc;
  fs.closeSync(fd);
  if (!EWOULDBLOCK.has(errno)) throw new RuntimeError('ESYSTEM', `lock ${file}: errno ${errno}`);
  return undefined;
}

/** Whether some live process holds the lock on `file` (false when the file is missing). */
export function isLocked(file: string): boolean {
  let lock: Lock | undefined;
  try {
    lock = tryLockFile(file);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return false;
    throw err;
  }
  lock?.release();
  return lock === undefined;
}

/** Takes the container's lock, waiting up to `timeoutMs`. Throws "container does not exist" if it goes away. */
/** Where containers' directories are (the Store; only these two of its methods, so lock.ts does not import it). */
export interface ContainerDirs {
  dir(id: string): string;
  file(id: string, name: string): string;
}

export function lockContainer(store: ContainerDirs, id: string, timeoutMs = 30_000): Lock {
  const file = store.file(id, 'lock');
  const deadline = Date.now() + timeoutMs;
  for (let wait = 1; ; wait = Math.min(wait * 2, 20)) {
    let fd: number;
    try {
      // O_CREAT only makes a lock inside a directory that exists at that instant; a
      // directory being deleted has already been renamed away, so this fails ENOENT.
      fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) throw notExist();
      throw systemError(`open lock of ${id}`, err);
    }
    const rc = flock(fd, LOCK_EX | LOCK_NB);
    if (rc === 0) {
      if (sameFile(fd, file)) return { release: () => release(fd) };
      fs.closeSync(fd);
      if (!fs.existsSync(store.dir(id))) throw notExist();
      continue;
    }
    const errno = -rc;
    fs.closeSync(fd);
    if (!EWOULDBLOCK.has(errno)) throw new RuntimeError('ESYSTEM', `lock ${file}: errno ${errno}`);
    if (Date.now() > deadline) throw new RuntimeError('ELOCKED', `container ${id} is locked by another operation`);
    sleepMs(wait);
  }
}

function sameFile(fd: number, file: string): boolean {
  try {
    const a = fs.fstatSync(fd);
    const b = fs.statSync(file);
    return a.ino === b.ino && a.dev === b.dev;
  } catch {
    return false;
  }
}

function release(fd: number): void {
  try {
    flock(fd, LOCK_UN);
  } finally {
    fs.closeSync(fd);
  }
}
