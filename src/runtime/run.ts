/**
 * run: create + start, then (unless detached) wait for the container and
 * delete it. The helper's parent half relays the container's exit status;
 * signals sent to runj are forwarded to the container.
 */
import { constants } from 'node:os';
import type { RuntimeContext } from './context.js';
import { type CreateOptions, create } from './create.js';
import { deleteContainer } from './delete.js';
import { start } from './start.js';

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

/** Returns the container's exit status (128+signal when killed), or 0 when detached. */
export async function run(ctx: RuntimeContext, opts: CreateOptions & { detach?: boolean }): Promise<number> {
  const { record, helper } = await create(ctx, opts, opts.detach ? 'create' : 'run');
  try {
    await start(ctx, record.id);
  } catch (err) {
    await deleteContainer(ctx, record.id, true).catch(() => {});
    throw err;
  }
  if (opts.detach || !helper) return 0;
  const forward = (sig: NodeJS.Signals) => {
    try {
      process.kill(record.pid, sig);
    } catch {}
  };
  for (const s of FORWARDED) process.on(s, forward);
  const { code, signal } = await helper.exited();
  for (const s of FORWARDED) process.off(s, forward);
  helper.detach();
  await deleteContainer(ctx, record.id, true);
  if (signal) return 128 + (constants.signals[signal] ?? 0);
  return code ?? 0;
}
