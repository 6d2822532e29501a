/**
 * Signal parsing as runc accepts it: a number ("9"), a name ("KILL") or a
 * prefixed name ("SIGKILL"), case-insensitive. Numbers are this platform's;
 * 0 probes whether the process exists.
 */
import { constants } from 'node:os';
import { invalid } from './errors.js';

const byName = constants.signals as Record<string, number>;

export function parseSignal(text: string | undefined, fallback = 'SIGTERM'): number {
  const s = (text ?? fallback).trim();
  if (/^[0-9]+$/.test(s)) {
    const n = Number(s);
    // 0 is kill(2)'s liveness probe (runc accepts it too): nothing is sent, only existence checked.
    if (n > 64) throw invalid(`unknown signal "${s}"`);
    return n;
  }
  const upper = s.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  const n = byName[name];
  if (n === undefined) throw invalid(`unknown signal "${s}"`);
  return n;
}

export function signalName(n: number): string {
  for (const [name, value] of Object.entries(byName)) if (value === n) return name;
  return String(n);
}
