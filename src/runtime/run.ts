/**
 * run: create + start, then (unless detached) wait for the container and
 * delete it. The helper's parent half relays the container's exit status;
 * signals sent to runj are forwarded to the container.
 */
import type { RuntimeContext } from './context.js';
import { type CreateOptions, create } from './create.js';
import { deleteContainer } from './delete.js';
import { forwardUntilExit } from './forward.js';
import { start } from './start.js';

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
  const status = await forwardUntilExit(ctx, helper, record.pid);
  await deleteContainer(ctx, record.id, true);
  return status;
}
