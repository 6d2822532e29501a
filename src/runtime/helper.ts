/**
 * Spawns the native helper and speaks its protocol (native/README.md): the
 * plan goes down the sync socket, JSON messages come back one per line.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { type HelperRecord, encodeRecords } from '../backend/protocol.js';
import { helperPath } from '../backend/helperBinary.js';
import { RuntimeError } from '../core/errors.js';
import { FORWARDED_SIGNALS, type HelperChannel, type HelperExit, MessageLines, unshareArgs, validWinsize } from './helperChannel.js';
import { type HelperEvent, HelperEvents } from './helperEvents.js';

export type { HelperChannel, HelperEvent, HelperExit };
export { validWinsize };

/**
 * The helper as a child of Node's child_process, read through the event loop:
 * for the containerd shim, which serves many containers at once. The CLI's
 * commands start theirs through DirectHelper (helperDirect.ts), which loads
 * no child_process.
 */
export class Helper implements HelperChannel {
  private readonly events = new HelperEvents();
  private readonly lines = new MessageLines((e) => this.push(e));

  private constructor(
    readonly child: ChildProcess,
    private readonly socket: Socket,
  ) {
    // A helper that cannot be started (EACCES, ENOEXEC) is reported like one that failed.
    child.on('error', (err) => this.push({ type: 'error', stage: 'spawn', msg: `start runj-helper: ${err.message}`, errno: 0 }));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.lines.feed(chunk));
    socket.on('end', () => this.push({ type: 'eof' }));
    socket.on('close', () => this.push({ type: 'eof' }));
    socket.on('error', () => this.push({ type: 'eof' }));
  }

  /**
   * stdio 0-2 and fds 3..3+preserveFds-1 are the caller's; the sync socket follows them.
   * A long-lived caller (the containerd shim) passes the container's stdio fds and
   * `detached: false`, so the helper stays in its session as its child.
   */
  static spawn(preserveFds: number, opts: { stdio?: readonly (number | 'pipe')[]; detached?: boolean; unshare?: readonly string[] } = {}): Helper {
    const passed = Array.from({ length: preserveFds }, (_, i) => 3 + i);
    const syncFd = 3 + preserveFds;
    const parent: readonly (number | 'inherit' | 'pipe')[] = opts.stdio ?? ['inherit', 'inherit', 'inherit'];
    const stdio: (number | 'inherit' | 'pipe')[] = [...parent, ...passed, 'pipe'];
    const child = spawn(helperPath(), [...unshareArgs(opts.unshare ?? []), String(syncFd)], {
      stdio,
      detached: opts.detached ?? true,
    });
    const socket = child.stdio[syncFd] as Socket | null;
    if (!socket) throw new RuntimeError('ESYSTEM', 'could not create the helper sync socket');
    return new Helper(child, socket);
  }

  private push(e: HelperEvent): void {
    this.events.push(e);
  }

  next(): Promise<HelperEvent> {
    return this.events.next();
  }

  send(records: readonly HelperRecord[]): void {
    this.socket.write(encodeRecords(records));
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  resize(rows: number, cols: number): void {
    if (!validWinsize(rows, cols) || this.socket.destroyed) return;
    this.send([['winsize', rows, cols]]);
  }

  detach(): void {
    this.socket.destroy();
    this.child.unref();
  }

  exited(forward = false): Promise<HelperExit> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      return Promise.resolve({ code: this.child.exitCode, signal: this.child.signalCode });
    }
    const pass = (sig: NodeJS.Signals) => void this.child.kill(sig);
    if (forward) for (const s of FORWARDED_SIGNALS) process.on(s, pass);
    return new Promise((r) =>
      this.child.once('exit', (code, signal) => {
        for (const s of FORWARDED_SIGNALS) process.off(s, pass);
        r({ code, signal });
      }),
    );
  }
}
