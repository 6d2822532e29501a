/**
 * Terminal records for the helper, with runc's rules: a terminal needs a
 * console socket (the master goes there), except when runj itself stays in
 * the foreground (run, exec without --detach) and relays the caller's
 * terminal. A console socket without a terminal is a mistake.
 */
import * as path from 'node:path';
import type { PlanRecord } from '../backend/protocol.js';
import { invalid } from '../core/errors.js';

export function terminalRecords(
  terminal: boolean,
  size: { height: number; width: number } | undefined,
  consoleSocket: string | undefined,
  foreground: boolean,
): PlanRecord[] {
  if (!terminal) {
    if (consoleSocket) throw invalid('--console-socket: the process has no terminal (process.terminal is false)');
    return [];
  }
  if (!consoleSocket && !foreground) {
    throw invalid('cannot allocate tty if runj will detach without setting console socket');
  }
  const records: PlanRecord[] = [];
  if (consoleSocket) records.push(['console-socket', path.resolve(consoleSocket)]);
  records.push(['terminal', size?.height ?? 0, size?.width ?? 0]);
  return records;
}
