/** pause and resume: freeze or thaw every process of the container (status paused ⇄ running). */
import type { RuntimeContext } from './context.js';
import { validateId } from './ids.js';
import { currentStatus } from './liveness.js';
import { lockContainer } from './lock.js';
import { check, nextStatus } from './status.js';

async function setFrozen(ctx: RuntimeContext, idArg: string, on: boolean): Promise<void> {
  const id = validateId(idArg);
  const op = on ? 'pause' : 'resume';
  const lock = lockContainer(ctx.store, id, ctx.lockTimeoutMs);
  try {
    const record = ctx.store.load(id);
    check(op, currentStatus(ctx, record), id);
    (await ctx.backend(record.platform)).freeze(record, on);
    record.status = nextStatus[op] ?? record.status;
    ctx.store.save(record);
  } finally {
    lock.release();
  }
}

export const pause = (ctx: RuntimeContext, id: string) => setFrozen(ctx, id, true);
export const resume = (ctx: RuntimeContext, id: string) => setFrozen(ctx, id, false);
