/**
 * Process start time and zombie state, cheap enough for every `state` call.
 * Linux reads /proc/<pid>/stat; FreeBSD's kern.proc.pid sysctl lives in the
 * FreeBSD backend's FFI file and is loaded only there.
 */
import * as fs from 'node:fs';
import type { ProcessInfo } from './sandbox.js';

export function linuxProcessInfo(pid: number): ProcessInfo | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
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

export async function processInfoFor(platform: string): Promise<(pid: number) => ProcessInfo | undefined> {
  if (platform === 'linux') return linuxProcessInfo;
  if (platform === 'freebsd') return (await import('./freebsd/sandbox.js')).freebsdProcessInfo;
  throw new Error(`no process information for platform ${platform}`);
}
