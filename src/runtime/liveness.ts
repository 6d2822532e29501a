/**
 * Status as it is now: the recorded status, unless the container's process is
 * gone, a zombie, or its pid now belongs to another process (start time
 * differs), or the record is a `creating` one nobody is creating any more.
 */
import { pollUntil } from '../core/time.js';
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
export function waitGone(ctx: RuntimeContext, record: ContainerRecord, timeoutMs = 10_000): Promise<boolean> {
  return pollUntil(() => !isAlive(ctx, record), timeoutMs, ctx.clock);
}

/**
 * SIGKILLs the container's init if it is still there (its pid with its start
 * time: a pid handed on to another process is not the init's; without a
 * recorded start time, the pid is all there is) and waits until it is gone.
 */
export async function killInit(ctx: RuntimeContext, record: ContainerRecord): Promise<boolean> {
  if (record.pid > 0 && (record.startTime === undefined || isAlive(ctx, record))) {
    try {
      ctx.signal(record.pid, 'SIGKILL');
    } catch {} // ESRCH: already gone
  }
  return waitGone(ctx, record);
}
