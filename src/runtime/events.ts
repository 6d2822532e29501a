/** events and update: resource statistics and new limits through the backend. */
import type { RuntimeContext } from './context.js';
import { validateId } from './ids.js';
import { currentStatus } from './liveness.js';
import { lockContainer } from './lock.js';
import { check } from './status.js';

export async function stats(ctx: RuntimeContext, idArg: string): Promise<Record<string, unknown>> {
  const id = validateId(idArg);
  const record = ctx.store.load(id);
  check('kill', currentStatus(ctx, record), id); // a stopped container has no statistics
  return { type: 'stats', id, data: (await ctx.backend(record.platform)).stats(record) };
}

/** Calls `emit` with a stats event every interval until the container stops. */
export async function watch(ctx: RuntimeContext, id: string, intervalMs: number, emit: (e: Record<string, unknown>) => void): Promise<void> {
  for (;;) {
    emit(await stats(ctx, id));
    await ctx.clock.sleep(intervalMs);
    if (currentStatus(ctx, ctx.store.load(id)) === 'stopped') return;
  }
}

export async function update(ctx: RuntimeContext, idArg: string, resources: Record<string, unknown>): Promise<void> {
  const id = validateId(idArg);
  const lock = lockContainer(ctx.store, id, ctx.lockTimeoutMs);
  try {
    const record = ctx.store.load(id);
    check('kill', currentStatus(ctx, record), id);
    (await ctx.backend(record.platform)).update(record, resources);
  } finally {
    lock.release();
  }
}
