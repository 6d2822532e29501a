/**
 * The start side of exec.fifo. Opening the fifo for reading releases the
 * helper (blocked opening it for writing); it writes one byte '0', and then
 * either execs (the close-on-exec fifo closes: end-of-file) or writes one JSON
 * error line (a failed startContainer hook or execve). The fifo is opened
 * non-blocking so a helper that died can never hang `start`; between reads
 * runj sleeps in poll(2) (runj's addon) until the fifo has something or a
 * while has passed, when the helper's life is checked.
 */
import * as fs from 'node:fs';
import { RuntimeError, isErrno, systemError } from '../core/errors.js';
import { sys } from '../core/sys.js';
import { sleepMs } from '../core/time.js';

export interface FifoResult {
  /** The helper's error line after the byte, if any. */
  error: { msg: string; stage?: string } | undefined;
}

export function releaseExecFifo(file: string, alive: () => boolean, timeoutMs = 60_000): FifoResult {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw new RuntimeError('EBADSTATE', 'cannot start an already running container');
    throw systemError('open exec fifo', err);
  }
  try {
    const buf = Buffer.alloc(4096);
    let got = '';
    let sawByte = false;
    const deadline = Date.now() + timeoutMs;
    const s = sys();
    let waited = false;
    // poll(2) wakes at the helper's byte and at its exec (the fifo closed); before the byte,
    // each timeout (1 ms, then doubling up to 10 ms) checks that the helper is still alive.
    // A fifo without a writer reads as its end, and polls as hung up once a writer has
    // come and gone (anyone who can open it, mode 0622), or at once on some systems: then
    // poll returns at once, and a sleep as long, doubling from 50 us, stands in for it.
    for (let wait = 0.05; ; wait = Math.min(wait * 2, 10)) {
      let n: number;
      try {
        n = fs.readSync(fd, buf, 0, buf.length, null);
      } catch (err) {
        if (!isErrno(err, 'EAGAIN')) throw systemError('read exec fifo', err);
        n = -1;
      }
      if (n > 0) {
        got += buf.toString('utf8', 0, n);
        sawByte = true;
        continue;
      }
      if (n === 0 && sawByte) break; // the helper exec'd or exited: writer closed
      // Not on the first pass: a released helper is still on its way to its byte, and its init
      // was just looked at (start's status check, run's ready); after a wait with nothing to read, again.
      if (!sawByte && waited) {
        if (!alive()) throw new RuntimeError('EHELPER', 'container init exited before start');
        if (Date.now() > deadline) throw new RuntimeError('EHELPER', 'timed out waiting for the container init');
      }
      waited = true;
      const ready = s.poll(fd, sawByte ? 100 : Math.ceil(wait));
      if (ready > 0 && n === 0 && !sawByte) sleepMs(wait);
    }
    const rest = got.slice(1).trim();
    if (!rest) return { error: undefined };
    try {
      const e = JSON.parse(rest.split('\n')[0] ?? '') as { msg: string; stage?: string };
      return { error: e };
    } catch {
      return { error: { msg: rest.slice(0, 500) } };
    }
  } finally {
    fs.closeSync(fd);
  }
}
