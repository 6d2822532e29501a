/** Process start time and zombie state from /proc/<pid>/stat, cheap enough for every `state` call. */
import * as fs from 'node:fs';
import type { ProcessInfo } from '../../backend/sandbox.js';

export function linuxProcessInfo(pid: number): ProcessInfo | undefined {
  // A pid that is gone (delete's look at an init that exited) is found without the ENOENT a
  // read would throw: ~0.25 ms when it is the process's first system error, as in a delete.
  const file = `/proc/${pid}/stat`;
  if (!fs.existsSync(file)) return undefined;
  let stat: string;
  try {
    stat = fs.readFileSync(file, 'latin1');
  } catch {
    return undefined;
  }
  // comm (field 2) may contain spaces and parentheses: fields resume after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = rest[0];
  const startTime = rest[19];
  if (state === undefined || startTime === undefined) return undefined;
  return { startTime, zombie: state === 'Z' || state === 'X' };
}
