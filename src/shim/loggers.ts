/**
 * The container's output when Create's stdout is a `binary://` logger or a
 * `file://` path (containerd's pkg/process/io.go decides on stdout's URI
 * alone; stderr goes the same way). Fifo paths and empty strings stay in
 * stdio.ts.
 *
 * binary:///PATH?k=v&flag: PATH runs with argv `k v flag ""` (each key, then
 * its first value, empty when it has none), env exactly CONTAINER_ID and
 * CONTAINER_NAMESPACE, stdio on /dev/null (stderr: a pipe into the shim's
 * log), fd 3 the read end of the container's stdout pipe, fd 4 of its stderr
 * pipe, fd 5 a "ready" pipe. The container is created only once the logger
 * writes to fd 5 or closes it. The logger sees EOF when the container's
 * output ends (the shim keeps no write end past the helper's spawn), and is
 * stopped at Delete if it has not gone by then.
 *
 * No SIGPIPE: the shim keeps its own read end of each pipe, unread while the
 * logger lives (two readers would split the output); if the logger dies
 * first, the shim drains and discards, so the container neither gets SIGPIPE
 * nor blocks on a full pipe.
 *
 * file:///PATH: appended to, created 0644 with its parent directories (0755)
 * as containerd's runc shim does; stdout and stderr share the one fd.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import type { Logger as Log } from '../core/log.js';
import { makePipe } from './pipe.js';
import { Code, StatusError } from './ttrpc/status.js';

export type OutputTarget = { kind: 'fifo' } | { kind: 'file'; path: string } | { kind: 'binary'; path: string; args: string[] };

export interface LoggerMeta {
  id: string;
  namespace: string;
  /** Aborts waiting for the logger's readiness (Create's deadline). */
  signal?: AbortSignal;
  log?: Log;
}

export interface OutputSink {
  /** The fds the helper gets as its 1 and 2. */
  stdout: number;
  stderr: number;
  /** Closes the shim's write ends once the helper holds its own. */
  release(): void;
  /** Ends it all: the logger (at once when `now`, else after a grace for EOF), pipes, fds. */
  close(now?: boolean): Promise<void>;
}

/** After the container's output ends, how long a logger gets to finish before SIGTERM, then SIGKILL. */
export const LOGGER_GRACE_MS = 2000;
export const LOGGER_TERM_MS = 10_000;
/** A logger that dies this soon after saying ready failed to start. */
const EARLY_EXIT_MS = 25;

const invalid = (uri: string, why: string) => new StatusError(Code.InvalidArgument, `stdout ${JSON.stringify(uri)}: ${why}`);

/** What stdout's URI asks for: fifo (a plain path, fifo://, or empty), file:// or binary://. */
export function parseOutputUri(uri: string): OutputTarget {
  if (uri === '' || uri.startsWith('/') || uri.startsWith('fifo://')) return { kind: 'fifo' };
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    throw invalid(uri, 'neither an absolute path nor a URI');
  }
  if (u.protocol !== 'file:' && u.protocol !== 'binary:') throw invalid(uri, `unknown scheme ${u.protocol.slice(0, -1)} (fifo, file and binary are)`);
  if (u.host !== '') throw invalid(uri, `a host (${u.host}) where ${u.protocol}/// and an absolute path belong`);
  const file = decodeURIComponent(u.pathname);
  if (!file.startsWith('/') || file === '/') throw invalid(uri, 'names no absolute path');
  if (u.protocol === 'file:') return { kind: 'file', path: file };
  const args: string[] = [];
  const seen = new Set<string>();
  for (const [k, v] of u.searchParams) {
    if (seen.has(k)) continue; // only a key's first value, as containerd
    seen.add(k);
    args.push(k, v);
  }
  return { kind: 'binary', path: file, args };
}

/** Opens the output a file:// or binary:// stdout asks for; undefined for fifos (stdio.ts). */
export async function openOutput(uri: string, meta: LoggerMeta): Promise<OutputSink | undefined> {
  const target = parseOutputUri(uri);
  if (target.kind === 'fifo') return undefined;
  if (target.kind === 'file') return openFile(uri, target.path);
  return startLogger(uri, target, meta);
}

function openFile(uri: string, file: string): OutputSink {
  let fd: number | undefined;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
    fd = fs.openSync(file, 'a', 0o644);
  } catch (err) {
    throw new StatusError(Code.Unknown, `stdout ${uri}: ${(err as Error).message}`);
  }
  const release = () => {
    if (fd !== undefined) fs.closeSync(fd);
    fd = undefined;
  };
  return { stdout: fd, stderr: fd, release, close: async () => release() };
}

/** A child's stdio stream past the typed first five. */
const stream = (c: ChildProcess | undefined, n: number) => (c?.stdio as readonly unknown[] | undefined)?.[n] as Readable | null | undefined;

const wait = (ms: number) => new Promise<undefined>((r) => setTimeout(r, ms));

async function startLogger(uri: string, t: { path: string; args: string[] }, meta: LoggerMeta): Promise<OutputSink> {
  const writeEnds: number[] = [];
  const readEnds: number[] = [];
  const drains: net.Socket[] = [];
  let child: ChildProcess | undefined;
  let ended: Promise<void> = Promise.resolve();
  let exit: string | undefined;
  let closing = false;
  let tail = '';
  const release = () => {
    for (const fd of writeEnds.splice(0)) fs.closeSync(fd);
  };
  const close = async (now = false) => {
    closing = true;
    release();
    if (child?.pid !== undefined && exit === undefined) {
      if (!now) await Promise.race([ended, wait(LOGGER_GRACE_MS)]);
      if (exit === undefined) child.kill(now ? 'SIGKILL' : 'SIGTERM');
      if (!now) await Promise.race([ended, wait(LOGGER_TERM_MS)]);
      if (exit === undefined) child.kill('SIGKILL');
      await ended;
    }
    for (const s of drains.splice(0)) s.destroy();
    for (const fd of readEnds.splice(0)) fs.closeSync(fd);
    stream(child, 2)?.destroy();
    stream(child, 5)?.destroy();
  };
  // The logger gone: nothing reads the pipes any more, so the shim does (and discards).
  const drain = () => {
    for (const fd of readEnds.splice(0)) {
      const s = new net.Socket({ fd, readable: true, writable: false });
      s.on('error', () => {});
      s.resume();
      drains.push(s);
    }
  };
  try {
    const out = makePipe();
    readEnds.push(out[0]);
    writeEnds.push(out[1]);
    const err = makePipe();
    readEnds.push(err[0]);
    writeEnds.push(err[1]);
    const c = spawn(t.path, t.args, {
      stdio: ['ignore', 'ignore', 'pipe', out[0], err[0], 'pipe'],
      env: { CONTAINER_ID: meta.id, CONTAINER_NAMESPACE: meta.namespace },
    });
    child = c;
    ended = new Promise<void>((resolve) => {
      c.once('exit', (code, signal) => {
        exit = signal ? `killed by ${signal}` : `status ${code}`;
        if (!closing) meta.log?.debug(`${meta.id}: logger ${uri} exited (${exit}); the container's output is discarded from now on`);
        if (!closing) drain();
        resolve();
      });
    });
    (c.stdio[2] as Readable).on('data', (b: Buffer) => {
      tail = (tail + b.toString('utf8')).slice(-2048);
      meta.log?.warn(`${meta.id}: logger ${uri}: ${b.toString('utf8').trimEnd()}`);
    });
    await new Promise<void>((resolve, reject) => {
      const ready = stream(c, 5) as Readable;
      const settle = (e?: StatusError) => {
        meta.signal?.removeEventListener('abort', abort);
        if (e) reject(e);
        else resolve();
      };
      const abort = () => settle(new StatusError(Code.DeadlineExceeded, `stdout ${uri}: the logger did not get ready in time`));
      ready.once('data', () => settle());
      ready.once('end', () => settle());
      ready.once('error', () => settle());
      c.once('error', (e) => settle(new StatusError(Code.Unknown, `stdout ${uri}: starting the logger: ${e.message}`)));
      if (meta.signal?.aborted) abort();
      else meta.signal?.addEventListener('abort', abort, { once: true });
    });
    stream(c, 5)?.destroy();
    await Promise.race([ended, wait(EARLY_EXIT_MS)]);
    if (exit !== undefined && exit !== 'status 0') {
      const said = tail.trim() ? `: ${tail.trim()}` : '';
      throw new StatusError(Code.Unknown, `stdout ${uri}: the logger exited (${exit}) before the container started${said}`);
    }
    return { stdout: out[1], stderr: err[1], release, close };
  } catch (e) {
    await close(true);
    throw e;
  }
}
