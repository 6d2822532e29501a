/**
 * Status as it is now: the recorded status, unless the container's process is
 * gone, a zombie, or its pid now belongs to another process (start time differs).
 */
import type { RuntimeContext } from './context.js';
import type { Status } from './status.js';
import type { ContainerRecord } from './store.js';

export function isAlive(ctx: RuntimeContext, record: ContainerRecord): boolean {
  if (record.pid <= 0) return false;
  const info = ctx.processInfo(record.pid);
  return info !== undefined && !info.zombie && info.startTime === record.startTime;
}

export function currentStatus(ctx: RuntimeContext, record: ContainerRecord): Status {
  if (record.status === 'stopped') return 'stopped';
  if (record.status === 'creating' && record.pid <= 0) return 'creating';
  return isAlive(ctx, record) ? record.status : 'stopped';
}

/** Waits until the container's process is gone (or a zombie), up to timeoutMs. */
export async function waitGone(ctx: RuntimeContext, record: ContainerRecord, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  // Asynchronous, so a long-lived caller (a shim using the library) is not blocked.
  for (let wait = 0; isAlive(ctx, record); wait = Math.min(wait * 2 || 1, 50)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => (wait ? setTimeout(r, wait) : setImmediate(r)));
  }
  return true;
}
