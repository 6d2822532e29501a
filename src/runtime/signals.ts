/**
 * Signal parsing as runc accepts it: a number ("9"), a name ("KILL") or a
 * prefixed name ("SIGKILL"), case-insensitive. Names, numbers and the range
 * are this platform's (backends.ts); 0 probes whether the
 * process exists.
 */
import type { SignalTable } from '../backend/sandbox.js';
import { platformSignals } from './backends.js';
import { invalid } from '../core/errors.js';

export function parseSignal(text: string | undefined, fallback = 'SIGTERM', table: SignalTable = platformSignals()): number {
  const byName = table.byName;
  const s = (text ?? fallback).trim();
  if (/^[0-9]+$/.test(s)) {
    const n = Number(s);
    // 0 is kill(2)'s liveness probe (runc accepts it too): nothing is sent, only existence checked.
    if (n > table.max) throw invalid(`unknown signal "${s}"`);
    return n;
  }
  const upper = s.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  const n = byName[name];
  if (n === undefined) throw invalid(`unknown signal "${s}"`);
  return n;
}

export function signalName(n: number, table: SignalTable = platformSignals()): string {
  const byName = table.byName;
  for (const [name, value] of Object.entries(byName)) if (value === n) return name;
  return String(n);
}
