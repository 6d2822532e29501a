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
    // poll(2) wakes at the helper's byte and at its exec (the fifo closed), and the fifo is read
    // only then: a read that finds it empty (EAGAIN) is an exception in Node (~0.2 ms). Before
    // the byte, each timeout (1 ms, then doubling up to 10 ms) checks that the helper is still
    // alive. A fifo without a writer reads as its end, and polls as hung up once a writer has
    // come and gone (anyone who can open it, mode 0622), or at once on some systems: then poll
    // returns at once, and a sleep as long, doubling from 50 us, stands in for it.
    for (let wait = 0.05; ; wait = Math.min(wait * 2, 10)) {
      const ready = s.poll(fd, sawByte ? 100 : Math.ceil(wait));
      let n = -1;
      if (ready !== 0) {
        try {
          n = fs.readSync(fd, buf, 0, buf.length, null);
        } catch (err) {
          if (!isErrno(err, 'EAGAIN')) throw systemError('read exec fifo', err);
        }
      }
      if (n > 0) {
        got += buf.toString('utf8', 0, n);
        sawByte = true;
        continue;
      }
      if (n === 0 && sawByte) break; // the helper exec'd or exited: writer closed
      if (sawByte) continue;
      // Nothing yet: the helper's life, and the deadline, after each wait (a released helper
      // is on its way to its byte; its init was just looked at: start's status check, run's ready).
      if (!alive()) throw new RuntimeError('EHELPER', 'container init exited before start');
      if (Date.now() > deadline) throw new RuntimeError('EHELPER', 'timed out waiting for the container init');
      if (n === 0) sleepMs(wait); // hung up before the byte: poll returns at once
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
