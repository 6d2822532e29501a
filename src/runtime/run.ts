/**
 * run: create + start, then (unless detached) wait for the container and
 * delete it. The helper's parent half relays the container's exit status;
 * signals sent to runj are forwarded to the container.
 */
import type { RuntimeContext } from './context.js';
import { type CreateOptions, create } from './create.js';
import { deleteContainer } from './delete.js';
import { forwardUntilExit } from './forward.js';
import { startLocked } from './start.js';
import { mark } from '../core/trace.js';

/** Returns the container's exit status (128+signal when killed), or 0 when detached. */
export async function run(ctx: RuntimeContext, opts: CreateOptions & { detach?: boolean }): Promise<number> {
  // Started under create's lock: nothing comes between the two, and the record is not read again.
  const { record, helper, lock } = await create(ctx, opts, opts.detach ? 'create' : 'run', true);
  try {
    try {
      await startLocked(ctx, record);
    } finally {
      lock?.release();
      mark('unlock');
    }
  } catch (err) {
    // The start's error is the one to report; what the delete leaves behind is named in a warning.
    await deleteContainer(ctx, record.id, true).catch((e: Error) =>
      ctx.log.warn(`${record.id}: removing the container after the failed start: ${e.message}; 'delete --force ${record.id}' retries it`),
    );
    throw err;
  }
  if (opts.detach || !helper) return 0;
  const status = await forwardUntilExit(helper);
  mark('wait');
  await deleteContainer(ctx, record.id, true);
  return status;
}
