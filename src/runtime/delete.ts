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

async function waitEmpty(empty: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 0; !empty(); wait = Math.min(wait * 2 || 1, 50)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => (wait ? setTimeout(r, wait) : setImmediate(r)));
  }
  return true;
}

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
    // Processes can outlive the init (exec'd ones, or children when there is no pid
    // namespace): every process of the container goes, not only the init.
    if (isAlive(ctx, record) || sandbox.listPids(record).length) {
      sandbox.killAll(record, 9);
      if (status === 'paused') sandbox.freeze(record, false); // frozen processes die only once thawed
      if (!(await waitGone(ctx, record)) || !(await waitEmpty(() => sandbox.listPids(record).length === 0))) {
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
