/**
 * The one way runj reads a file a user names (config.json, exec's
 * --process, the host policy, runj.ext.json): only a regular file, only up
 * to a cap, in bounded memory. A FIFO would block the read forever and a
 * symlink to /dev/zero never ends, so the file is opened with O_NONBLOCK
 * (opening a FIFO then returns at once) and fstat'ed before anything is read.
 * The caps are documented in docs/spec-coverage.md ("Limits").
 */
import * as fs from 'node:fs';
import { type ErrorCode, RuntimeError } from './errors.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * config.json: 4 MiB. Real configs are a few KiB; the largest seen in the
 * wild (hundreds of mounts, a full seccomp profile of ~450 syscalls) stay
 * under 200 KiB, so 4 MiB is 20 times that while keeping a hostile file from
 * costing more than a few tens of MiB of parsed JSON.
 */
export const CONFIG_MAX = 4 * MiB;
/**
 * exec --process: 4 MiB. Its args and env go to execve, which the kernels
 * cap at ARG_MAX (Linux: a quarter of the stack limit, 2 MiB by default;
 * FreeBSD: 256-512 KiB); JSON escaping can double that.
 */
export const PROCESS_MAX = 4 * MiB;
/** policy.json and runj.ext.json: a few lists of field names and addresses. */
export const SMALL_DOC_MAX = 1 * MiB;
/**
 * One JSON message of the helper (src/runtime/helper.ts): the longest it
 * writes is an error of at most 16 KiB of text JSON-escaped at up to 6 bytes
 * per byte (native/channel.c), about 97 KiB.
 */
export const HELPER_MESSAGE_MAX = 128 * KiB;
/** The output of a failed hook quoted in its error (also native/hooks.c). */
export const HOOK_OUTPUT_MAX = 4 * KiB;

const CHUNK = 64 * KiB;

export function formatSize(bytes: number): string {
  if (bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes % KiB === 0) return `${bytes / KiB} KiB`;
  return `${bytes} bytes`;
}

function kind(st: fs.Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a file';
}

/**
 * Reads `file` as UTF-8 if it is a regular file of at most `limit` bytes;
 * never reads more than limit+1 bytes (a file that grows while read is
 * still refused). `what` names the file's role in the error. Errors from
 * open(2) (ENOENT, EACCES) are thrown as they are, for the caller to word.
 */
export function readLimited(file: string, limit: number, what: string, code: ErrorCode = 'ECONFIG'): string {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new RuntimeError(code, `${file}: not a regular file (${kind(st)})`);
    if (st.size > limit) throw tooBig(file, limit, what, code);
    return readLimitedFd(fd, limit, what, code, file, st.size);
  } finally {
    fs.closeSync(fd);
  }
}

function tooBig(name: string, limit: number, what: string, code: ErrorCode): RuntimeError {
  return new RuntimeError(code, `${name}: larger than runj's limit for a ${what} (${formatSize(limit)})`);
}

/**
 * Reads an open fd to its end, at most `limit` bytes (standard input for
 * `update -r -`: a pipe, so neither O_NONBLOCK nor a size check beforehand
 * applies). `name` stands for the fd in the error.
 */
export function readLimitedFd(fd: number, limit: number, what: string, code: ErrorCode, name: string, size?: number): string {
  const chunks: Buffer[] = [];
  let total = 0;
  // A file's size, known from fstat, sizes the first buffer: its bytes and one more, where the
  // read that finds the end lands (two 64 KiB buffers for a 2 KiB config.json cost ~0.2 ms).
  let next = size === undefined ? CHUNK : size + 1;
  for (;;) {
    const buf = Buffer.allocUnsafe(Math.min(next, limit + 1 - total));
    let got = 0;
    for (let n = -1; n !== 0 && got < buf.length; got += n) n = fs.readSync(fd, buf, got, buf.length - got, null);
    if (got > 0) chunks.push(buf.subarray(0, got));
    total += got;
    if (total > limit) throw tooBig(name, limit, what, code);
    if (got < buf.length) break; // the end: a read returned 0
    next = CHUNK;
  }
  return (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total)).toString('utf8');
}
