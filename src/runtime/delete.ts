/**
 * delete: a stopped or created container is removed (a created one is killed
 * first, as containerd and podman expect); a running one only with force.
 * Then the backend is torn down, the state removed, and poststop hooks run
 * (their failure is only a warning).
 *
 * `delete --force` always finishes the job: an abandoned create (a `creating`
 * record nobody holds) and a missing or unreadable state.json are handled by
 * the backend's recover(), which finds the processes and resources from
 * recovery.json or the id alone. See docs/state.md.
 */
import type { Sandbox } from '../backend/sandbox.js';
import { pollUntil } from '../core/time.js';
import type { RuntimeContext } from './context.js';
import { RuntimeError } from '../core/errors.js';
import { runAllHooks } from './hookList.js';
import { validateId } from './ids.js';
import { currentStatus, isAlive, waitGone } from './liveness.js';
import { lockContainer } from './lock.js';
import { hookState } from './ociState.js';
import { type Status, check } from './status.js';
import type { ContainerRecord } from './store.js';
import { mark } from '../core/trace.js';

/** SIGKILLs every process of the container and waits until they are gone. */
async function killEverything(ctx: RuntimeContext, sandbox: Sandbox, record: ContainerRecord, status: Status): Promise<void> {
  // Processes can outlive the init (exec'd ones, or children when there is no pid
  // namespace): every process of the container goes, not only the init.
  if (!isAlive(ctx, record) && !sandbox.listPids(record).length) return;
  sandbox.killAll(record, 9);
  if (status === 'paused') sandbox.freeze(record, false); // frozen processes die only once thawed
  if (!(await waitGone(ctx, record)) || !(await pollUntil(() => sandbox.listPids(record).length === 0, 10_000, ctx.clock))) {
    throw new RuntimeError('ESYSTEM', `container ${record.id} did not stop after SIGKILL`);
  }
}

/** Recovery without a usable record: recovery.json's backend data, or the id alone. */
async function recover(ctx: RuntimeContext, id: string): Promise<void> {
  const saved = ctx.store.readRecovery(id);
  const sandbox = await ctx.backend(saved?.platform ?? ctx.platform);
  await sandbox.recover(id, saved?.data);
}

export async function deleteContainer(ctx: RuntimeContext, idArg: string, force = false): Promise<void> {
  const id = validateId(idArg);
  if (force && !ctx.store.exists(id)) {
    ctx.store.sweep();
    return;
  }
  const lock = lockContainer(ctx.store, id, ctx.lockTimeoutMs);
  mark('lock');
  let record: ContainerRecord | undefined;
  try {
    const read = ctx.store.read(id);
    mark('state.read');
    if (typeof read === 'string') {
      if (!force) {
        throw new RuntimeError('ESYSTEM', `state of ${id} is unusable (${read}): ${ctx.store.file(id, 'state.json')}; 'delete --force' removes it`);
      }
      ctx.log.warn(`${id}: state is unusable (${read}): recovering from what the id and recovery data name`);
      await recover(ctx, id);
    } else {
      record = read;
      const status = currentStatus(ctx, record, true);
      check(force ? 'forceDelete' : 'delete', status, id);
      mark('status');
      try {
        const sandbox = await ctx.backend(record.platform);
        mark('backend.load');
        await killEverything(ctx, sandbox, record, status);
        mark('kill');
        await sandbox.tearDown(record);
        mark('backend.teardown');
      } catch (err) {
        // The record's backend data may be what is wrong: with force, the id still finds everything.
        if (!force) throw err;
        ctx.log.warn(`${id}: ${(err as Error).message}: recovering from what the id and recovery data name`);
        await recover(ctx, id);
        if (isAlive(ctx, record)) throw err; // recovery did not reach it either: keep the state for another try
      }
      // An interrupted create may have made resources its record does not name yet.
      if (record.status === 'creating') await recover(ctx, id);
    }
    ctx.store.remove(id);
    mark('state.remove');
  } finally {
    lock.release();
    mark('unlock');
  }
  if (!record || record.status === 'creating') return; // never created: its hooks never ran
  // runtime.md: a failing poststop hook is a warning; the remaining hooks still run.
  for (const err of await runAllHooks(ctx.runHook, 'poststop', record.hooks?.poststop ?? [], hookState(record, 'stopped'))) {
    ctx.log.warn(`${id}: ${err.message}`);
  }
  mark('hooks.poststop');
}
