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

/**
 * The relaying parent half (a terminal without a console socket) waits for
 * the process as its child: the plan needs `fork`. The Linux backend forks
 * for a pid namespace (and always for exec); FreeBSD's does not, so the
 * record is added once when the backend's records lack it.
 */
export function relayFork(terminal: readonly PlanRecord[], body: readonly PlanRecord[]): PlanRecord[] {
  const relayed = terminal.some((r) => r[0] === 'terminal') && !terminal.some((r) => r[0] === 'console-socket');
  return relayed && !body.some((r) => r[0] === 'fork') ? [['fork']] : [];
}
