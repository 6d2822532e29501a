/**
 * The command line's writes to stdout and stderr: synchronous, so a command
 * is done with its output when it returns and runj may exit at once
 * (src/cli/entry.ts) without losing any. process.stdout and process.stderr
 * would each set up a stream (node:stream and its kin, ~3 ms of start-up,
 * docs/performance.md), and on FreeBSD a stream to a pipe writes
 * asynchronously, so an exit could cut it short.
 */
import * as fs from 'node:fs';
import { sleepMs } from './time.js';

/** Writes all of `text` to `fd`; a non-blocking pipe that is full (EAGAIN) is waited on. */
export function writeAll(fd: number, text: string): void {
  let buf = Buffer.from(text);
  while (buf.length > 0) {
    try {
      buf = buf.subarray(fs.writeSync(fd, buf));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      sleepMs(1);
    }
  }
}
