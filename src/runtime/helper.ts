/**
 * Spawns the native helper and speaks its protocol (native/README.md): the
 * plan goes down the sync socket, JSON messages come back one per line.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { type HelperRecord, encodeRecords, parseMessage } from '../backend/protocol.js';
import { helperPath } from '../backend/helperBinary.js';
import { RuntimeError } from '../core/errors.js';
import { HELPER_MESSAGE_MAX } from '../core/readLimited.js';
import { type HelperEvent, HelperEvents } from './helperEvents.js';

export type { HelperEvent };

export interface HelperExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** What create and exec need of a running helper; unit tests give a scripted one. */
export interface HelperChannel {
  /** The next message, or `eof` once the channel has ended. */
  next(): Promise<HelperEvent>;
  /** Plan records, `continue` after the hooks: encoded (protocol.ts) and written to the channel. */
  send(records: readonly HelperRecord[]): void;
  /** Lets the runtime process exit while the helper lives on (create, exec --detach). */
  detach(): void;
  /** SIGKILLs the helper (a failed create). */
  kill(): void;
  /** Resolves with the helper's own exit status (run: the container's, relayed). */
  exited(): Promise<HelperExit>;
  /**
   * The relayed pty's window size (a plan with `winsize-channel`, after `ready`).
   * Sizes outside 1..65535 are not sent: the helper would ignore them anyway.
   */
  resize(rows: number, cols: number): void;
  /** The helper's own pid: in `mode run`, the parent half that waits for the process. */
  readonly pid: number | undefined;
}

/** A size the helper's `winsize` record accepts. */
export function validWinsize(rows: number, cols: number): boolean {
  return [rows, cols].every((n) => Number.isInteger(n) && n >= 1 && n <= 65535);
}

export class Helper implements HelperChannel {
  private buffer = '';
  private overflowed = false;
  private readonly events = new HelperEvents();

  private constructor(
    readonly child: ChildProcess,
    private readonly socket: Socket,
  ) {
    // A helper that cannot be started (EACCES, ENOEXEC) is reported like one that failed.
    child.on('error', (err) => this.push({ type: 'error', stage: 'spawn', msg: `start runj-helper: ${err.message}`, errno: 0 }));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      if (this.overflowed) return;
      this.buffer += chunk;
      for (let nl = this.buffer.indexOf('\n'); nl >= 0; nl = this.buffer.indexOf('\n')) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        if (Buffer.byteLength(line) > HELPER_MESSAGE_MAX) return this.overflow();
        if (line.trim()) this.push(safeParse(line));
      }
      // However the bytes arrive (one chunk with its newline, or many without one yet).
      if (Buffer.byteLength(this.buffer) > HELPER_MESSAGE_MAX) this.overflow();
    });
    socket.on('end', () => this.push({ type: 'eof' }));
    socket.on('close', () => this.push({ type: 'eof' }));
    socket.on('error', () => this.push({ type: 'eof' }));
  }

  /**
   * stdio 0-2 and fds 3..3+preserveFds-1 are the caller's; the sync socket follows them.
   * A long-lived caller (the containerd shim) passes the container's stdio fds and
   * `detached: false`, so the helper stays in its session as its child.
   */
  static spawn(preserveFds: number, opts: { stdio?: readonly (number | 'pipe')[]; detached?: boolean } = {}): Helper {
    const passed = Array.from({ length: preserveFds }, (_, i) => 3 + i);
    const syncFd = 3 + preserveFds;
    const parent: readonly (number | 'inherit' | 'pipe')[] = opts.stdio ?? ['inherit', 'inherit', 'inherit'];
    const stdio: (number | 'inherit' | 'pipe')[] = [...parent, ...passed, 'pipe'];
    const child = spawn(helperPath(), [String(syncFd)], {
      stdio,
      detached: opts.detached ?? true,
    });
    const socket = child.stdio[syncFd] as Socket | null;
    if (!socket) throw new RuntimeError('ESYSTEM', 'could not create the helper sync socket');
    return new Helper(child, socket);
  }

  /** No message is this long (readLimited.ts): the helper is broken; stop reading its output. */
  private overflow(): void {
    this.overflowed = true;
    this.buffer = '';
    this.push({ type: 'error', stage: 'protocol', msg: `helper message longer than ${HELPER_MESSAGE_MAX} bytes`, errno: 0 });
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

  exited(): Promise<HelperExit> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      return Promise.resolve({ code: this.child.exitCode, signal: this.child.signalCode });
    }
    return new Promise((r) => this.child.once('exit', (code, signal) => r({ code, signal })));
  }
}

function safeParse(line: string): HelperEvent {
  try {
    return parseMessage(line);
  } catch {
    return { type: 'error', stage: 'protocol', msg: `unreadable helper message: ${line.slice(0, 200)}`, errno: 0 };
  }
}
