/**
 * Terminal records for the helper, with runc's rules: a terminal needs a
 * console socket (the master goes there), except when runj itself stays in
 * the foreground (run, exec without --detach) and relays the caller's
 * terminal. A console socket without a terminal is a mistake. A caller
 * with no terminal of its own (the shim) asks for the winsize channel to set
 * the relayed pty's size.
 */
import * as path from 'node:path';
import type { PlanRecord } from '../backend/protocol.js';
import { invalid } from '../core/errors.js';

export function terminalRecords(
  terminal: boolean,
  size: { height: number; width: number } | undefined,
  consoleSocket: string | undefined,
  foreground: boolean,
  winsizeChannel = false,
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
  // A caller that resizes the relayed pty itself (the containerd shim's ResizePty).
  if (winsizeChannel && !consoleSocket) records.push(['winsize-channel']);
  return records;
}
