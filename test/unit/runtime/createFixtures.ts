/** Shared by the create tests: the on-disk record, and a store whose staging can be sabotaged. */
import * as fs from 'node:fs';
import { RuntimeError } from '../../../src/core/errors.js';
import type { RuntimeContext } from '../../../src/runtime/context.js';
import { type ContainerRecord, type Staged, Store } from '../../../src/runtime/store.js';
import type { FakeHost } from '../fakes/host.js';

export const NOTHING = { processes: [], jails: [], dirs: [] };


/** The record as it is on disk (not as state() interprets it). */
export function onDisk(ctx: RuntimeContext, id: string): ContainerRecord {
  return JSON.parse(fs.readFileSync(ctx.store.file(id, 'state.json'), 'utf8')) as ContainerRecord;
}

/** A store whose staging can be sabotaged, and which counts lock releases of staged directories. */
export class ProbeStore extends Store {
  released = 0;
  staged: string[] = [];
  /** Runs right after a directory is staged (before create writes anything into it). */
  afterStage: ((dir: string) => void) | undefined;
  /** A save of a record with this status fails as a full filesystem would. */
  failSaveOf: string | undefined;

  override stage(id: string): Staged {
    const s = super.stage(id);
    this.staged.push(s.dir);
    const lock = s.lock;
    s.lock = {
      release: () => {
        this.released++;
        lock.release();
      },
    };
    this.afterStage?.(s.dir);
    return s;
  }

  override save(record: ContainerRecord, dir?: string): void {
    if (this.failSaveOf === record.status) throw new RuntimeError('ESYSTEM', `write state of ${record.id}: ENOSPC: no space left on device`);
    super.save(record, dir);
  }
}

export async function probed(host: FakeHost, over: Parameters<FakeHost['context']>[0] = {}): Promise<{ ctx: RuntimeContext; store: ProbeStore }> {
  const ctx = await host.context(over);
  const store = new ProbeStore(host.root);
  ctx.store = store;
  return { ctx, store };
}
