import { describe, expect, it } from 'vitest';
import { create } from '../../../src/runtime/create.js';
import { deleteContainer } from '../../../src/runtime/delete.js';
import { kill } from '../../../src/runtime/kill.js';
import { start } from '../../../src/runtime/start.js';
import { state } from '../../../src/runtime/state.js';
import { makeBundle } from '../fakes/bundle.js';
import { FakeHost } from '../fakes/host.js';

describe('the fake backend drives a whole lifecycle', () => {
  it('create, start, state, kill, delete leave nothing behind', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    const bundle = makeBundle();
    await create(ctx, { id: 'c1', bundle });
    expect(state(ctx, 'c1').status).toBe('created');
    expect(host.sandbox.jails.has('c1')).toBe(true);
    await start(ctx, 'c1');
    expect(state(ctx, 'c1').status).toBe('running');
    await kill(ctx, 'c1', 'KILL');
    expect(state(ctx, 'c1').status).toBe('stopped');
    await deleteContainer(ctx, 'c1');
    expect(host.leftovers()).toEqual({ processes: [], jails: [], dirs: [] });
  });
  it('a helper that dies before ready: create fails and leaves nothing', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    host.script = { dieBefore: 'ready' };
    await expect(create(ctx, { id: 'c2', bundle: makeBundle() })).rejects.toThrow(/container init exited unexpectedly/);
    expect(host.leftovers()).toEqual({ processes: [], jails: [], dirs: [] });
  });
});
