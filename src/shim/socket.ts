/**
 * The shim's socket, made safe to share: created mode 0600 with no moment
 * when it is wider (the umask is 0177 while Node binds, which it does
 * synchronously inside listen()), its directory created 0711 if missing, and
 * a socket file removed only when connect() to it fails with ECONNREFUSED (a
 * dead shim's leftover), never when something listens there. The check and
 * the removal and the bind happen under flock(2) on the socket directory, so
 * two shims starting for one group cannot remove each other's fresh socket
 * (a bound socket refuses connections until listen(), an instant later).
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { koffi, libcName } from '../core/koffi.js';
import { RuntimeError } from '../core/errors.js';
import type { TtrpcServer } from './ttrpc/server.js';
import { socketPath } from './ttrpc/address.js';

const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_WAIT_MS = 10_000;

let flockFn: ((fd: number, op: number) => number) | undefined;
function flock(fd: number, op: number): number {
  flockFn ??= koffi().load(libcName()).func('int flock(int fd, int op)') as (fd: number, op: number) => number;
  return flockFn(fd, op);
}

export type Probe = 'live' | 'stale' | 'absent' | 'unknown';

/** What is at a socket path: a listener, a dead socket (ECONNREFUSED), nothing, or something else. */
export function probeSocket(file: string, timeoutMs = 2000): Promise<Probe> {
  return new Promise((resolve) => {
    const s = net.connect(file);
    const done = (p: Probe) => {
      clearTimeout(timer);
      s.destroy();
      resolve(p);
    };
    // A listener too busy to accept in time is still a listener.
    const timer = setTimeout(() => done('live'), timeoutMs);
    s.once('connect', () => done('live'));
    s.once('error', (err: NodeJS.ErrnoException) =>
      done(err.code === 'ECONNREFUSED' ? 'stale' : err.code === 'ENOENT' ? 'absent' : 'unknown'),
    );
  });
}

/** The socket directory (containerd's `<state>/s`), created 0711 if missing: others may reach a path through it, not list it. */
export function ensureSocketDir(dir: string): void {
  if (fs.existsSync(dir)) return;
  fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o711 });
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return; // someone else made it
  }
  fs.chmodSync(dir, 0o711); // mkdir's mode goes through the umask; chmod does not
}

/**
 * Runs fn holding an exclusive flock on the directory (released when the fd
 * closes, or the process dies). Polled without blocking: a blocking flock
 * would stall the event loop, and with it a holder in this same process.
 */
export async function withDirLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    for (const start = Date.now(); flock(fd, LOCK_EX | LOCK_NB) !== 0; ) {
      if (Date.now() - start > LOCK_WAIT_MS) throw new RuntimeError('ESYSTEM', `lock ${dir}: held for more than ${LOCK_WAIT_MS} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return await fn();
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Listens on `address` if no live shim does: 'busy' when one answers there
 * (the caller joins it), after removing a dead shim's socket if that is what
 * is in the way.
 */
export async function listenExclusive(server: TtrpcServer, address: string): Promise<'listening' | 'busy'> {
  const file = socketPath(address);
  ensureSocketDir(path.dirname(file));
  return withDirLock(path.dirname(file), async () => {
    for (let attempt = 0; ; attempt++) {
      try {
        await listenPrivate(server, address);
        return 'listening';
      } catch (err) {
        if (errnoOf(err) !== 'EADDRINUSE') throw err;
        const found = await probeSocket(file);
        if (found === 'live') return 'busy';
        if (attempt > 0 || (found !== 'stale' && found !== 'absent')) throw err;
        if (found === 'stale') fs.rmSync(file, { force: true });
      }
    }
  });
}

/** Removes a socket file only when it is a dead shim's (connect refused); reports whether it did. */
export async function removeIfDead(address: string): Promise<boolean> {
  const file = socketPath(address);
  if (!fs.existsSync(path.dirname(file))) return false;
  return withDirLock(path.dirname(file), async () => {
    if ((await probeSocket(file)) !== 'stale') return false;
    fs.rmSync(file, { force: true });
    return true;
  });
}

/** listen() with umask 0177 across its synchronous bind, so the socket is born 0600. */
function listenPrivate(server: TtrpcServer, address: string): Promise<void> {
  const old = process.umask(0o177);
  try {
    return server.listen(address);
  } finally {
    process.umask(old);
  }
}

function errnoOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; details?: { errno?: unknown }; cause?: { code?: unknown } };
  for (const c of [e?.details?.errno, e?.cause?.code, e?.code]) if (typeof c === 'string' && c.startsWith('E')) return c;
  return undefined;
}
