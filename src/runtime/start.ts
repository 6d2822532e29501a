/**
 * start: release the helper through exec.fifo, then run poststart hooks.
 *
 * The record says `running` (written durably) before the fifo is opened: a
 * state write that fails (a full filesystem) then fails `start` before the
 * program runs, and no crash can leave a running program recorded as
 * `created`. See docs/state.md.
 */
import * as fs from 'node:fs';
import type { RuntimeContext } from './context.js';
import { RuntimeError, isErrno } from '../core/errors.js';
import { runHooks } from './hookList.js';
import { validateId } from './ids.js';
import { currentStatus, isAlive, killInit } from './liveness.js';
import { lockContainer } from './lock.js';
import { hookState } from './ociState.js';
import { check } from './status.js';
import type { ContainerRecord } from './store.js';
import { mark } from '../core/trace.js';

export async function start(ctx: RuntimeContext, idArg: string): Promise<void> {
  const id = validateId(idArg);
  const lock = lockContainer(ctx.store, id, ctx.lockTimeoutMs);
  mark('lock');
  try {
    const record = ctx.store.load(id);
    mark('state.read');
    check('start', currentStatus(ctx, record, true), id);
    mark('status');
    await startLocked(ctx, record);
  } finally {
    lock.release();
    mark('unlock');
  }
}

/**
 * start's work on a `created` record under the container's lock, which the
 * caller holds and releases: start's own (its status checked), or (run) the
 * one create took, so that nothing comes between run's create and its start,
 * nor is the record read or its init looked up again (an init that died
 * since shows at the fifo).
 */
export async function startLocked(ctx: RuntimeContext, record: ContainerRecord): Promise<void> {
  const fifo = ctx.store.file(record.id, 'exec.fifo');
  record.status = 'running';
  ctx.store.save(record); // throws before anything ran
  mark('state.write');
  let error: { msg: string; stage?: string } | undefined;
  try {
    ({ error } = ctx.releaseFifo(fifo, () => isAlive(ctx, record)));
  } catch (err) {
    // No fifo: someone else started it, and `running` is the truth.
    if (!(err instanceof RuntimeError && err.code === 'EBADSTATE')) await stop(ctx, record);
    throw err;
  }
  // unlink, not rmSync: rmSync stats the path twice first (strace), for the same result.
  try {
    fs.unlinkSync(fifo);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
  mark('fifo');
  if (error) {
    await stop(ctx, record);
    throw new RuntimeError('EHELPER', error.msg, { stage: error.stage });
  }
  try {
    await runHooks(ctx.runHook, 'poststart', record.hooks?.poststart ?? [], hookState(record, 'running'));
    mark('hooks.poststart');
  } catch (err) {
    await stop(ctx, record);
    throw err;
  }
}

/** A start that failed: the init is killed, so the record's `running` reads as stopped even if the write below fails. */
async function stop(ctx: RuntimeContext, record: ContainerRecord): Promise<void> {
  await killInit(ctx, record);
  record.status = 'stopped';
  try {
    ctx.store.save(record);
  } catch (err) {
    ctx.log.debug(`${record.id}: recording stopped: ${(err as Error).message}`);
  }
}
