/**
 * Runtime log in runc's formats. With --log FILE the lines go to the file
 * (text: logrus' `time="..." level=... msg="..."`; json: one
 * {"level","msg","time"} object per line — containerd reports the last error
 * line to its user). Without --log, warnings and errors go to stderr as text.
 */
import * as fs from 'node:fs';
import { RuntimeError } from './errors.js';
import { isoTime } from './isoTime.js';
import { writeAll } from './output.js';

export type Level = 'debug' | 'info' | 'warning' | 'error';
const RANK: Record<Level, number> = { debug: 0, info: 1, warning: 2, error: 3 };

export interface LogOptions {
  file?: string | undefined;
  format?: 'text' | 'json';
  debug?: boolean;
}

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  /** True when log lines go to a file rather than stderr. */
  readonly toFile: boolean;
}

function quote(s: string): string {
  return JSON.stringify(s);
}

export function formatLine(level: Level, msg: string, format: 'text' | 'json', time = Date.now()): string {
  const t = isoTime(time);
  if (format === 'json') return `${JSON.stringify({ level, msg, time: t })}\n`;
  return `time=${quote(t)} level=${level} msg=${quote(msg)}\n`;
}

/** Opens --log at start, as runc does: a path that cannot be opened is an error, not a silent loss of the log. */
function openLog(file: string): number {
  try {
    return fs.openSync(file, 'a', 0o644);
  } catch (err) {
    throw new RuntimeError('EINVALID', `--log ${file}: cannot open: ${(err as Error).message}`);
  }
}

export function createLogger(opts: LogOptions = {}): Logger {
  const format = opts.format ?? 'text';
  const min = opts.debug ? RANK.debug : RANK.info;
  const fd = opts.file ? openLog(opts.file) : undefined;
  const write = (level: Level, msg: string) => {
    if (RANK[level] < min) return;
    if (fd === undefined && RANK[level] < RANK.warning && !opts.debug) return;
    try {
      if (fd === undefined) writeAll(2, formatLine(level, msg, 'text'));
      else fs.writeSync(fd, formatLine(level, msg, format));
    } catch {
      // A log that cannot be written must not turn a working operation into a failure.
    }
  };
  return {
    debug: (m) => write('debug', m),
    info: (m) => write('info', m),
    warn: (m) => write('warning', m),
    error: (m) => write('error', m),
    toFile: Boolean(opts.file),
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {}, toFile: false };
