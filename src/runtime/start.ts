/** start: release the helper through exec.fifo, then run poststart hooks. */
import * as fs from 'node:fs';
import type { RuntimeContext } from './context.js';
import { RuntimeError } from './errors.js';
import { releaseExecFifo } from './fifo.js';
import { runHooks } from './hooks.js';
import { validateId } from './ids.js';
import { currentStatus, isAlive, waitGone } from './liveness.js';
import { lockContainer } from './lock.js';
import { hookState } from './ociState.js';
import { check } from './status.js';

export async function start(ctx: RuntimeContext, idArg: string): Promise<void> {
  const id = validateId(idArg);
  const lock = lockContainer(ctx.store, id);
  try {
    const record = ctx.store.load(id);
    check('start', currentStatus(ctx, record), id);
    const fifo = ctx.store.file(id, 'exec.fifo');
    const { error } = releaseExecFifo(fifo, () => isAlive(ctx, record));
    fs.rmSync(fifo, { force: true });
    if (error) {
      record.status = 'stopped';
      ctx.store.save(record);
      throw new RuntimeError('EHELPER', error.msg, { stage: error.stage });
    }
    record.status = 'running';
    ctx.store.save(record);
    try {
      await runHooks('poststart', record.hooks?.poststart ?? [], hookState(record, 'running'));
    } catch (err) {
      try {
        process.kill(record.pid, 'SIGKILL');
      } catch {}
      await waitGone(ctx, record);
      throw err;
    }
  } finally {
    lock.release();
  }
}
