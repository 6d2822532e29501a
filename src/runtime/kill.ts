/** kill: signal the container's init, or with `all` every process of the container. */
import type { RuntimeContext } from './context.js';
import { isErrno, notRunning, systemError } from '../core/errors.js';
import { validateId } from './ids.js';
import { currentStatus } from './liveness.js';
import { parseSignal } from './signals.js';
import { check } from './status.js';
import { mark } from '../core/trace.js';

export async function kill(ctx: RuntimeContext, idArg: string, signal?: string, all = false): Promise<void> {
  const id = validateId(idArg);
  const sig = parseSignal(signal);
  const record = ctx.store.load(id);
  mark('state.read');
  const status = currentStatus(ctx, record);
  mark('status');
  if (all && status === 'stopped') return; // as runc: nothing left to signal is not an error with --all
  check('kill', status, id);
  if (all) {
    (await ctx.backend(record.platform)).killAll(record, sig);
    return;
  }
  try {
    ctx.signal(record.pid, sig);
  } catch (err) {
    if (isErrno(err, 'ESRCH')) throw notRunning();
    throw systemError(`kill ${record.pid}`, err);
  }
  mark('signal');
}
