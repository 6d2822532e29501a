/** state and list: read-only, lock-free, cheap (buildah polls state every 100 ms). */
import type { RuntimeContext } from './context.js';
import { validateId } from './ids.js';
import { currentStatus } from './liveness.js';
import { type StateOutput, stateOutput } from './ociState.js';
import { mark } from '../core/trace.js';
import { userName } from '../core/userName.js';

export function state(ctx: RuntimeContext, idArg: string): StateOutput {
  const id = validateId(idArg);
  const record = ctx.store.load(id);
  mark('state.read');
  const status = currentStatus(ctx, record);
  mark('status');
  return stateOutput(record, status);
}

/** Every container under the root; unreadable entries are logged and skipped. */
export function list(ctx: RuntimeContext): StateOutput[] {
  const out: StateOutput[] = [];
  const names = new Map<number, string>(); // one lookup per owner, not per container
  const owner = (uid: number) => names.get(uid) ?? names.set(uid, userName(uid)).get(uid) ?? '';
  for (const id of ctx.store.ids()) {
    try {
      // runc's owner: the user owning the container's state directory.
      out.push({ ...state(ctx, id), owner: owner(ctx.store.ownerUid(id)) });
    } catch (err) {
      ctx.log.debug(`list: skipping ${id}: ${(err as Error).message}`);
    }
  }
  return out;
}
