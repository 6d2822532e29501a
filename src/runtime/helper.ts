/**
 * Spawns the native helper and speaks its protocol (native/README.md): the
 * plan goes down the sync socket, JSON messages come back one per line.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type HelperMessage, parseMessage } from '../platform/helperProtocol.js';
import { RuntimeError } from './errors.js';
import { HELPER_MESSAGE_MAX } from './readLimited.js';

/** The helper binary: $RUNJ_HELPER, else native/runj-helper above this file. */
export function helperPath(): string {
  if (process.env.RUNJ_HELPER) return process.env.RUNJ_HELPER;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++, dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'native', 'runj-helper');
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new RuntimeError('ESYSTEM', 'runj-helper not found: build it with `make -C native` or set RUNJ_HELPER');
}

export type HelperEvent = HelperMessage | { type: 'eof' };

export class Helper {
  private buffer = '';
  private overflowed = false;
  private queue: HelperEvent[] = [];
  private waiter: ((e: HelperEvent) => void) | undefined;
  private ended = false;

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
        if (line.trim()) this.push(safeParse(line));
      }
      // No message is this long (readLimited.ts): the helper is broken; stop buffering its output.
      if (Buffer.byteLength(this.buffer) > HELPER_MESSAGE_MAX) {
        this.overflowed = true;
        this.buffer = '';
        this.push({ type: 'error', stage: 'protocol', msg: `helper message longer than ${HELPER_MESSAGE_MAX} bytes`, errno: 0 });
      }
    });
    socket.on('end', () => this.push({ type: 'eof' }));
    socket.on('close', () => this.push({ type: 'eof' }));
    socket.on('error', () => this.push({ type: 'eof' }));
  }

  /** stdio 0-2 and fds 3..3+preserveFds-1 are the caller's; the sync socket follows them. */
  static spawn(preserveFds: number): Helper {
    const passed = Array.from({ length: preserveFds }, (_, i) => 3 + i);
    const syncFd = 3 + preserveFds;
    const child = spawn(helperPath(), [String(syncFd)], {
      stdio: ['inherit', 'inherit', 'inherit', ...passed, 'pipe'],
      detached: true,
    });
    const socket = child.stdio[syncFd] as Socket | null;
    if (!socket) throw new RuntimeError('ESYSTEM', 'could not create the helper sync socket');
    return new Helper(child, socket);
  }

  private push(e: HelperEvent): void {
    if (this.ended) return;
    if (e.type === 'eof') this.ended = true;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w(e);
    } else this.queue.push(e);
  }

  next(): Promise<HelperEvent> {
    const e = this.queue.shift();
    if (e) return Promise.resolve(e);
    if (this.ended) return Promise.resolve({ type: 'eof' });
    return new Promise((r) => {
      this.waiter = r;
    });
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** Lets the runtime process exit while the helper lives on (create). */
  detach(): void {
    this.socket.destroy();
    this.child.unref();
  }

  /** Resolves with the helper's own exit status (run: the container's, relayed). */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
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

export interface HelperFeatures {
  seccomp: boolean;
  tty: boolean;
}

let features: HelperFeatures | undefined;

/** What this build of the helper can do (`runj-helper --features`). */
export function helperFeatures(): HelperFeatures {
  if (features) return features;
  const r = spawnSync(helperPath(), ['--features'], { encoding: 'utf8', timeout: 5000 });
  try {
    const f = JSON.parse(r.stdout) as Partial<HelperFeatures>;
    features = { seccomp: f.seccomp === true, tty: f.tty === true };
  } catch {
    features = { seccomp: false, tty: false };
  }
  return features;
}
