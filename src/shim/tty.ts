/**
 * ResizePty: the new window size of a process's terminal. The helper's
 * parent half relays the pty (native/README.md, "Terminal") and, with the
 * plan's `winsize-channel`, applies `winsize` records the shim sends on its
 * sync socket; the kernel then signals SIGWINCH to the process. An exec not
 * started yet keeps the size as its process's consoleSize, the size its pty
 * starts with. As runc's shim, a process without a terminal ignores the
 * request; so does a finished one, and a size outside 1..65535.
 */
import { validWinsize } from '../runtime/helper.js';
import type { ExecProcess } from './execProcess.js';
import type { Task } from './task.js';

export function resizePty(p: Task | ExecProcess, width: number, height: number): Record<string, never> {
  const terminal = 'execs' in p ? p.io.terminal : p.terminal;
  // A client without a terminal of its own may report 0x0 (ctr under a pipe): nothing to apply.
  if (!terminal || p.exit || !validWinsize(height, width)) return {};
  if ('execs' in p) p.helper.resize(height, width);
  else p.resize(height, width);
  return {};
}
