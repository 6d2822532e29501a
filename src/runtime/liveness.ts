/**
 * Status as it is now: the recorded status, unless the container's process is
 * gone, a zombie, or its pid now belongs to another process (start time
 * differs), or the record is a `creating` one nobody is creating any more.
 */
import type { RuntimeContext } from './context.js';
import { isLocked } from './lock.js';
import type { Status } from './status.js';
import type { ContainerRecord } from './store.js';

export function isAlive(ctx: RuntimeContext, record: ContainerRecord): boolean {
  if (record.pid <= 0) return false;
  const info = ctx.processInfo(record.pid);
  return info !== undefined && !info.zombie && info.startTime === record.startTime;
}

/**
 * `heldByCaller`: the caller holds the container lock, so a `creating` record
 * cannot belong to a live create (create holds the lock until it is done).
 */
export function currentStatus(ctx: RuntimeContext, record: ContainerRecord, heldByCaller = false): Status {
  if (record.status === 'stopped') return 'stopped';
  if (record.status === 'creating') {
    // A create killed after publishing its directory leaves this record with a free lock: abandoned.
    const creating = !heldByCaller && isLocked(ctx.store.file(record.id, 'lock'));
    return creating ? 'creating' : 'stopped';
  }
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
