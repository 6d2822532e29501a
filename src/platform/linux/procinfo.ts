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
    // UTF-8, not latin1: Node reads a UTF-8 file in one call of its own (~0.1 ms); any other
    // encoding goes through its general read loop in JavaScript, ~1 ms for a /proc file here.
    // A name that is not UTF-8 decodes to replacement characters, never to a ')' or a space.
    stat = fs.readFileSync(file, 'utf8');
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
