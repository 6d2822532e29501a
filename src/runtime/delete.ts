/**
 * delete: a stopped or created container is removed (a created one is killed
 * first, as containerd and podman expect); a running one only with force.
 * Then the backend is torn down, the state removed, and poststop hooks run
 * (their failure is only a warning).
 */
import { loadSandbox } from '../platform/sandbox.js';
import type { RuntimeContext } from './context.js';
import { RuntimeError } from './errors.js';
import { runAllHooks } from './hooks.js';
import { validateId } from './ids.js';
import { currentStatus, isAlive, waitGone } from './liveness.js';
import { lockContainer } from './lock.js';
import { hookState } from './ociState.js';
import { check } from './status.js';
import type { ContainerRecord } from './store.js';

export async function deleteContainer(ctx: RuntimeContext, idArg: string, force = false): Promise<void> {
  const id = validateId(idArg);
  if (force && !ctx.store.exists(id)) return;
  const lock = lockContainer(ctx.store, id);
  let record: ContainerRecord;
  try {
    record = ctx.store.load(id);
    const status = currentStatus(ctx, record);
    check(force ? 'forceDelete' : 'delete', status, id);
    const sandbox = await loadSandbox(record.platform);
    if (isAlive(ctx, record)) {
      sandbox.killAll(record, 9);
      if (status === 'paused') sandbox.freeze(record, false); // frozen processes die only once thawed
      if (!(await waitGone(ctx, record))) {
        throw new RuntimeError('ESYSTEM', `container ${id} did not stop after SIGKILL`);
      }
    }
    await sandbox.tearDown(record);
    ctx.store.remove(id);
  } finally {
    lock.release();
  }
  // runtime.md: a failing poststop hook is a warning; the remaining hooks still run.
  for (const err of await runAllHooks('poststop', record.hooks?.poststop ?? [], hookState(record, 'stopped'))) {
    ctx.log.warn(`${id}: ${err.message}`);
  }
}
