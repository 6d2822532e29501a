/**
 * The shim's log: containerd creates the fifo `<bundle>/log` and holds it
 * open read-write, so opening it write-only never blocks; containerd copies
 * its lines into its own log. With no such fifo (a `delete` action outside
 * the bundle), nothing is logged: the shim's stdout and stderr are
 * containerd's reply channel and must stay clean. A shim serving several
 * containers writes to the log of the oldest container it still serves:
 * containerd stops reading a container's fifo when that container goes, so
 * the shim's lines move on to the next one rather than being lost.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Level, type Logger, formatLine } from '../core/log.js';

export class ShimLog implements Logger {
  private readonly targets: { bundle: string; fd: number }[] = [];
  get toFile(): boolean {
    return this.targets.length > 0;
  }

  constructor(private readonly debugOn: boolean) {}

  /** Adds a bundle's log fifo (no-op when it has none, or is there already). */
  attach(bundle: string): this {
    if (this.targets.some((t) => t.bundle === bundle)) return this;
    const file = path.join(bundle, 'log');
    try {
      if (!fs.statSync(file).isFIFO()) return this;
      this.targets.push({ bundle, fd: fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND) });
    } catch {}
    return this;
  }

  detach(bundle: string): void {
    const i = this.targets.findIndex((t) => t.bundle === bundle);
    if (i < 0) return;
    const [t] = this.targets.splice(i, 1);
    try {
      fs.closeSync(t!.fd);
    } catch {}
  }

  debug = (m: string) => this.write('debug', m);
  info = (m: string) => this.write('info', m);
  warn = (m: string) => this.write('warning', m);
  error = (m: string) => this.write('error', m);

  private write(level: Level, msg: string): void {
    if (level === 'debug' && !this.debugOn) return;
    const line = formatLine(level, msg, 'text');
    for (const t of this.targets) {
      try {
        fs.writeSync(t.fd, line);
        return;
      } catch {
        // EPIPE: containerd no longer reads this one; a log must never fail an operation.
      }
    }
  }
}

/** The log of one shim invocation: the bundle's fifo, or nothing. */
export function shimLogger(bundle: string, debug: boolean): ShimLog {
  return new ShimLog(debug).attach(bundle);
}
