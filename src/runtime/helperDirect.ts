/**
 * The helper as the runj CLI starts it (create, run, exec), through runj's
 * addon (native/sys_addon.c): vfork and execve with a socketpair for the
 * sync channel, its messages read with blocking reads, its exit waited for
 * with a blocking waitpid (in `run` and `exec` the addon's, which passes the
 * signals runj gets on to the helper meanwhile). node:child_process, with the node:net and node:stream modules
 * its pipes load, is never loaded: ~10 ms of a command's start-up
 * (docs/performance.md). The containerd shim, a long-lived server that reads
 * many helpers at once through its event loop, uses Helper (helper.ts).
 */
import * as fs from 'node:fs';
import type * as Os from 'node:os';
import { type HelperRecord, encodeRecords } from '../backend/protocol.js';
import { helperPath } from '../backend/helperBinary.js';
import { builtin } from '../core/builtin.js';
import { HELPER_MESSAGE_MAX } from '../core/readLimited.js';
import { RuntimeError, isErrno } from '../core/errors.js';
import { sys } from '../core/sys.js';
import { sleepMs } from '../core/time.js';
import { type HelperChannel, type HelperExit, MessageLines, unshareArgs, validWinsize } from './helperChannel.js';
import { type HelperEvent, HelperEvents } from './helperEvents.js';
import { signalName } from './signals.js';

// node:os only here, on a failure: a create that works does not load it (~0.4 ms).
const errnoName = (n: number): string =>
  Object.entries(builtin<typeof Os>('node:os').constants.errno).find(([, v]) => v === n)?.[0] ?? `errno ${n}`;

export class DirectHelper implements HelperChannel {
  private readonly events = new HelperEvents();
  private readonly lines = new MessageLines((e) => this.events.push(e));
  /** The bytes after the last newline read: a line not yet whole. */
  private partial: Buffer | undefined;
  // Only the bytes a read returned are decoded: unfilled, not zeroed (zeroing 64 kB of fresh pages costs ~0.1-0.4 ms).
  private readonly buf = Buffer.allocUnsafeSlow(64 * 1024);
  private exit: HelperExit | undefined;
  /** The pid the helper reported: its own, or its forked child's (a pid namespace, exec). */
  private reported: number | undefined;

  private constructor(
    private fd: number | undefined,
    readonly pid: number | undefined,
  ) {}

  /**
   * stdio 0-2 and fds 3..3+preserveFds-1 are runj's own, passed at the same
   * numbers; the sync socket follows them. A new session, as for Helper.spawn's
   * `detached`: the container is no part of the caller's job control. `unshare`:
   * new namespaces it enters before its plan (native/README.md, Invocation).
   */
  static spawn(preserveFds: number, unshare: readonly string[] = []): DirectHelper {
    const s = sys();
    const pair = s.socketpair();
    if (typeof pair === 'number') throw new RuntimeError('ESYSTEM', `could not create the helper sync socket: ${errnoName(-pair)}`);
    const [mine, theirs] = pair;
    const syncFd = 3 + preserveFds;
    const fds = [0, 1, 2, ...Array.from({ length: preserveFds }, (_, i) => 3 + i), theirs];
    const file = helperPath();
    // The helper runs from a sealed copy the addon makes, which it would otherwise make of itself
    // and re-execute (native/README.md, "Security"); a file that is no ELF (a $RUNJ_HELPER script)
    // the addon runs as it is.
    const sealed = process.platform === 'linux';
    let pid: number;
    try {
      pid = s.spawn(file, [file, ...unshareArgs(unshare), String(syncFd)], fds, true, sealed);
    } finally {
      fs.closeSync(theirs);
    }
    if (pid > 0) return new DirectHelper(mine, pid);
    fs.closeSync(mine);
    // Reported like a helper that failed (EACCES, ENOENT, ENOEXEC), as Helper does.
    const h = new DirectHelper(undefined, undefined);
    h.events.push({ type: 'error', stage: 'spawn', msg: `start runj-helper: ${errnoName(-pid)} (${file})`, errno: 0 });
    h.events.push({ type: 'eof' });
    return h;
  }

  /** The next message: read (blocking) until one is whole, or the helper closed its end. */
  async next(): Promise<HelperEvent> {
    while (!this.events.ready()) this.readOnce();
    const e = await this.events.next();
    if (e.type === 'pid') this.reported = e.pid;
    return e;
  }

  private readOnce(): void {
    if (this.fd === undefined) {
      this.events.push({ type: 'eof' });
      return;
    }
    let n: number;
    try {
      n = fs.readSync(this.fd, this.buf, 0, this.buf.length, null);
    } catch (err) {
      if (isErrno(err, 'EINTR') || isErrno(err, 'EAGAIN')) return;
      n = 0; // ECONNRESET and the like: the helper is gone, as for Helper's socket errors
    }
    if (n === 0) this.events.push({ type: 'eof' });
    else this.feed(this.buf.subarray(0, n));
  }

  /**
   * Decodes whole lines only: a newline byte is never inside a UTF-8 sequence,
   * so no character is cut where a read ended. (No TextDecoder: its first use
   * costs ~0.3 ms of create.) A tail longer than any message goes to
   * MessageLines as it is, which reports the overflow.
   */
  private feed(bytes: Buffer): void {
    const all = this.partial ? Buffer.concat([this.partial, bytes]) : bytes;
    const nl = all.lastIndexOf(0x0a);
    if (nl >= 0) this.lines.feed(all.toString('utf8', 0, nl + 1));
    const rest = all.subarray(nl + 1);
    if (rest.length > HELPER_MESSAGE_MAX) {
      this.lines.feed(rest.toString('utf8'));
      this.partial = undefined;
    } else {
      this.partial = rest.length > 0 ? Buffer.from(rest) : undefined; // a copy: this.buf is read into again
    }
  }

  send(records: readonly HelperRecord[]): void {
    if (this.fd === undefined) return;
    let data = Buffer.from(encodeRecords(records));
    try {
      while (data.length > 0) data = data.subarray(fs.writeSync(this.fd, data));
    } catch (err) {
      // A helper that died (EPIPE; Node ignores SIGPIPE): its eof or error is the next message.
      if (!isErrno(err, 'EPIPE') && !isErrno(err, 'ECONNRESET') && !isErrno(err, 'EAGAIN') && !isErrno(err, 'EINTR')) throw err;
    }
  }

  kill(): void {
    if (this.pid === undefined || this.exit) return;
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch (err) {
      if (!isErrno(err, 'ESRCH')) throw err;
    }
  }

  resize(rows: number, cols: number): void {
    if (validWinsize(rows, cols)) this.send([['winsize', rows, cols]]);
  }

  /**
   * Closes runj's end of the channel: the container lives on, and runj may exit.
   * A helper that forked the container (native/helper.c, fork_container) exits
   * right after reporting its child's pid: it is reaped here, as Node's
   * child_process would have, rather than left a zombie for whoever inherits it
   * (still charged to the container's pids cgroup until then). A helper that is
   * the container itself is not waited for.
   */
  detach(): void {
    if (this.fd !== undefined) {
      fs.closeSync(this.fd);
      this.fd = undefined;
    }
    if (this.pid === undefined || this.reported === undefined || this.reported === this.pid || this.exit) return;
    // It exits microseconds after its last message; a helper that does not within a second is left as before.
    const deadline = Date.now() + 1000;
    for (let wait = 0.05; Date.now() < deadline; wait = Math.min(wait * 2, 20)) {
      const r = sys().waitpid(this.pid, true);
      if (typeof r === 'number' || r[0] === this.pid) return;
      sleepMs(wait);
    }
  }

  /**
   * Waits for the helper to exit and reaps it, blocking (the CLI has nothing
   * else to do meanwhile); with `forward`, through the addon's waitForwarding,
   * which passes the signals runj gets on to the helper. Not on the event loop:
   * an idle loop lets V8 run its pending minor GC task, ~2 ms of every `run`
   * (docs/performance.md). One wait, however often asked.
   */
  exited(forward = false): Promise<HelperExit> {
    if (this.exit || this.pid === undefined) return Promise.resolve(this.exit ?? { code: null, signal: null });
    const pid = this.pid;
    const r = forward ? sys().waitForwarding(pid) : sys().waitpid(pid, false);
    if (typeof r === 'number') return Promise.reject(new RuntimeError('ESYSTEM', `wait for runj-helper ${pid}: ${errnoName(-r)}`));
    this.exit = r[1] === 1 ? { code: r[2], signal: null } : { code: null, signal: signalName(r[2]) as NodeJS.Signals };
    return Promise.resolve(this.exit);
  }
}
