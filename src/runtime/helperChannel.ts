/**
 * What create and exec need of a running helper (the channel), and what its
 * two implementations share: the message lines of the sync socket.
 */
import { parseMessage } from '../backend/protocol.js';
import type { HelperRecord } from '../backend/protocol.js';
import { HELPER_MESSAGE_MAX } from '../core/readLimited.js';
import type { HelperEvent } from './helperEvents.js';

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
  /**
   * Resolves with the helper's own exit status (run: the container's, relayed).
   * With `forward`, each of FORWARDED_SIGNALS that runj gets meanwhile is passed
   * on to the helper, whose parent half passes it to the container's process
   * (native/relay.c; a helper that is the process itself gets it directly).
   */
  exited(forward?: boolean): Promise<HelperExit>;
  /**
   * The relayed pty's window size (a plan with `winsize-channel`, after `ready`).
   * Sizes outside 1..65535 are not sent: the helper would ignore them anyway.
   */
  resize(rows: number, cols: number): void;
  /** The helper's own pid: in `mode run`, the parent half that waits for the process. */
  readonly pid: number | undefined;
}

/** The signals `run` and attached `exec` pass on: native/forwarded.h's (the relay's, and the addon's waitForwarding), for the helpers the shim starts. */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

/** The helper's arguments before its sync fd for namespaces it enters before its plan (`--unshare net,ipc,...`). */
export function unshareArgs(types: readonly string[]): string[] {
  return types.length ? ['--unshare', types.join(',')] : [];
}

/** A size the helper's `winsize` record accepts. */
export function validWinsize(rows: number, cols: number): boolean {
  return [rows, cols].every((n) => Number.isInteger(n) && n >= 1 && n <= 65535);
}

/**
 * Splits the helper's output into JSON messages, one per line, however the
 * bytes arrive (one chunk with its newline, or many without one yet). A line
 * longer than any message (readLimited.ts) means a broken helper: one error,
 * and nothing more is read.
 */
export class MessageLines {
  private buffer = '';
  private overflowed = false;

  constructor(private readonly push: (e: HelperEvent) => void) {}

  feed(chunk: string): void {
    if (this.overflowed) return;
    this.buffer += chunk;
    for (let nl = this.buffer.indexOf('\n'); nl >= 0; nl = this.buffer.indexOf('\n')) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (Buffer.byteLength(line) > HELPER_MESSAGE_MAX) {
        this.overflow();
        return;
      }
      if (line.trim()) this.push(safeParse(line));
    }
    if (Buffer.byteLength(this.buffer) > HELPER_MESSAGE_MAX) this.overflow();
  }

  private overflow(): void {
    this.overflowed = true;
    this.buffer = '';
    this.push({ type: 'error', stage: 'protocol', msg: `helper message longer than ${HELPER_MESSAGE_MAX} bytes`, errno: 0 });
  }
}

function safeParse(line: string): HelperEvent {
  try {
    return parseMessage(line);
  } catch {
    return { type: 'error', stage: 'protocol', msg: `unreadable helper message: ${line.slice(0, 200)}`, errno: 0 };
  }
}
