/** The runtime-spec state document for a container record (what `state` prints and hooks read). */
import type { ContainerRecord } from './store.js';
import type { Status } from './status.js';

export const OCI_VERSION = '1.3.0';

/**
 * What `state` prints: runc's fields, taken from the stored record. `owner` is
 * empty, as runc's `state` has it; `list` fills it in (runtime/state.ts).
 */
export type StateOutput = Pick<ContainerRecord, 'ociVersion' | 'id' | 'pid' | 'status' | 'bundle' | 'rootfs' | 'created' | 'annotations'> & { owner: string };

export function stateOutput(record: ContainerRecord, status: Status): StateOutput {
  const out: StateOutput = {
    ociVersion: record.ociVersion,
    id: record.id,
    pid: status === 'stopped' ? 0 : record.pid,
    status,
    bundle: record.bundle,
    rootfs: record.rootfs,
    created: record.created,
    owner: '',
  };
  if (record.annotations && Object.keys(record.annotations).length) out.annotations = record.annotations;
  return out;
}

/** State JSON for hooks: the spec's fields only. */
export function hookState(record: ContainerRecord, status: Status): string {
  const s: Record<string, unknown> = {
    ociVersion: record.ociVersion,
    id: record.id,
    status,
    pid: record.pid,
    bundle: record.bundle,
  };
  if (record.annotations && Object.keys(record.annotations).length) s.annotations = record.annotations;
  return JSON.stringify(s);
}
