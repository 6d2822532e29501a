/**
 * The shim's log: containerd creates the fifo `<bundle>/log` and holds it
 * open read-write, so opening it write-only never blocks; containerd copies
 * its lines into its own log. With no such fifo (a `delete` action outside
 * the bundle), nothing is logged: the shim's stdout and stderr are
 * containerd's reply channel and must stay clean.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Logger, createLogger, silentLogger } from '../core/log.js';

export function shimLogger(bundle: string, debug: boolean): Logger {
  const file = path.join(bundle, 'log');
  try {
    if (!fs.statSync(file).isFIFO()) return silentLogger;
  } catch {
    return silentLogger;
  }
  try {
    return createLogger({ file, format: 'text', debug });
  } catch {
    return silentLogger;
  }
}
