/**
 * Per-container lock: flock(2) on <root>/<id>/lock. The kernel drops it when
 * the holder dies, so a crashed operation never leaves a stale lock. After
 * taking it we check the file is still the one at the path: `delete` removes
 * the directory while waiters may hold the old inode.
 */
import * as fs from 'node:fs';
import { koffi, libcName } from '../platform/koffi.js';
import { RuntimeError, isErrno, notExist, systemError } from './errors.js';
import type { Store } from './store.js';

const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;
const EWOULDBLOCK = new Set([11, 35]); // Linux EAGAIN, FreeBSD EAGAIN

let flockFn: ((fd: number, op: number) => number) | undefined;
function flock(): (fd: number, op: number) => number {
  if (!flockFn) flockFn = koffi().load(libcName()).func('int flock(int fd, int op)');
  return flockFn as (fd: number, op: number) => number;
}

export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export interface Lock {
  release(): void;
}

/** Takes the container's lock, waiting up to `timeoutMs`. Throws "container does not exist" if it goes away. */
export function lockContainer(store: Store, id: string, timeoutMs = 30_000): Lock {
  const file = store.file(id, 'lock');
  const deadline = Date.now() + timeoutMs;
  for (let wait = 1; ; wait = Math.min(wait * 2, 20)) {
    let fd: number;
    try {
      fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) throw notExist();
      throw systemError(`open lock of ${id}`, err);
    }
    const rc = flock()(fd, LOCK_EX | LOCK_NB);
    if (rc === 0) {
      if (sameFile(fd, file)) return { release: () => release(fd) };
      fs.closeSync(fd);
      if (!fs.existsSync(store.dir(id))) throw notExist();
      continue;
    }
    const errno = koffi().errno() as number;
    fs.closeSync(fd);
    if (!EWOULDBLOCK.has(errno)) throw new RuntimeError('ESYSTEM', `lock ${file}: errno ${errno}`);
    if (Date.now() > deadline) throw new RuntimeError('ELOCKED', `container ${id} is locked by another operation`);
    sleepMs(wait);
  }
}

function sameFile(fd: number, file: string): boolean {
  try {
    return fs.fstatSync(fd).ino === fs.statSync(file).ino;
  } catch {
    return false;
  }
}

function release(fd: number): void {
  try {
    flock()(fd, LOCK_UN);
  } finally {
    fs.closeSync(fd);
  }
}
