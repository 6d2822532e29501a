/**
 * The foreground of `run` and `exec`: runj stays until the helper exits,
 * passes the signals it gets to the container's process, and returns the
 * exit status a shell would show (128+signal when the process was killed).
 */
import { constants } from 'node:os';
import type { RuntimeContext } from './context.js';
import type { HelperChannel } from './helper.js';

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

export async function forwardUntilExit(ctx: Pick<RuntimeContext, 'signal'>, helper: HelperChannel, pid: number): Promise<number> {
  const forward = (sig: NodeJS.Signals) => {
    try {
      ctx.signal(pid, sig);
    } catch {} // the process is gone: the helper's exit follows
  };
  for (const s of FORWARDED) process.on(s, forward);
  try {
    const { code, signal } = await helper.exited();
    return signal ? 128 + (constants.signals[signal] ?? 0) : (code ?? 0);
  } finally {
    for (const s of FORWARDED) process.off(s, forward);
    helper.detach();
  }
}
