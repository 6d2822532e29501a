/**
 * The foreground of `run` and `exec`: runj stays until the helper exits,
 * passes the signals it gets on to the helper meanwhile (whose parent half
 * passes them to the container's process: native/relay.c), and returns the
 * exit status a shell would show (128+signal when the process was killed).
 */
import type * as Os from 'node:os';
import { builtin } from '../core/builtin.js';
import type { HelperChannel } from './helper.js';

export async function forwardUntilExit(helper: HelperChannel): Promise<number> {
  try {
    const { code, signal } = await helper.exited(true);
    // node:os (~0.4 ms) only for a process killed by a signal.
    return signal ? 128 + (builtin<typeof Os>('node:os').constants.signals[signal] ?? 0) : (code ?? 0);
  } finally {
    helper.detach();
  }
}
