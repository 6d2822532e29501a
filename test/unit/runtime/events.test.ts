import { describe, expect, it } from 'vitest';
import type { RuntimeContext } from '../../../src/runtime/context.js';
import { create } from '../../../src/runtime/create.js';
import { stats, update, watch } from '../../../src/runtime/events.js';
import { kill } from '../../../src/runtime/kill.js';
import { isLocked, tryLockFile } from '../../../src/runtime/lock.js';
import { start } from '../../../src/runtime/start.js';
import { state } from '../../../src/runtime/state.js';
import { makeBundle } from '../fakes/bundle.js';
import { FakeHost } from '../fakes/host.js';

async function running(): Promise<{ host: FakeHost; ctx: RuntimeContext; init: number }> {
  const host = new FakeHost();
  const ctx = await host.context({ lockTimeoutMs: 50 });
  await create(ctx, { id: 'c1', bundle: makeBundle() });
  await start(ctx, 'c1');
  host.events.length = 0;
  return { host, ctx, init: state(ctx, 'c1').pid };
}

describe('stats', () => {
  it('{type: "stats", id, data} with the backend data', async () => {
    const { host, ctx } = await running();
    expect(await stats(ctx, 'c1')).toEqual({ type: 'stats', id: 'c1', data: { pids: { current: 1 } } });
    expect(host.events).toEqual(['sandbox.stats c1']);
  });
  it('a created container has statistics too', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    await create(ctx, { id: 'c1', bundle: makeBundle() });
    expect(await stats(ctx, 'c1')).toMatchObject({ type: 'stats', id: 'c1' });
  });
  it('a stopped container: "container not running", the backend not asked', async () => {
    const { host, ctx } = await running();
    await kill(ctx, 'c1', 'KILL');
    host.events.length = 0;
    await expect(stats(ctx, 'c1')).rejects.toMatchObject({ code: 'ENOTRUNNING', message: 'container not running' });
    expect(host.events).toEqual([]);
  });
  it('a missing container: "container does not exist"', async () => {
    const host = new FakeHost();
    await expect(stats(await host.context(), 'nope')).rejects.toMatchObject({ code: 'ENOTEXIST' });
  });
});

describe('watch', () => {
  it('emits every interval until the container stops', async () => {
    const { host, ctx, init } = await running();
    const t0 = host.clock.now();
    const seen: Record<string, unknown>[] = [];
    await watch(ctx, 'c1', 5000, (e) => {
      seen.push(e);
      if (seen.length === 2) {
        const p = host.procs.get(init);
        if (p) host.exit(p, { code: 0, signal: null });
      }
    });
    expect(seen).toEqual([
      { type: 'stats', id: 'c1', data: { pids: { current: 1 } } },
      { type: 'stats', id: 'c1', data: { pids: { current: 1 } } }, // taken before the stop
    ]);
    expect(host.clock.now() - t0).toBe(10_000);
  });
  it('a container stopped from the start: refused at once, nothing emitted', async () => {
    const { ctx } = await running();
    await kill(ctx, 'c1', 'KILL');
    const seen: unknown[] = [];
    await expect(watch(ctx, 'c1', 1000, (e) => seen.push(e))).rejects.toMatchObject({ code: 'ENOTRUNNING' });
    expect(seen).toEqual([]);
  });
});

describe('update', () => {
  const resources = { memory: { limit: 1 << 20 } };
  it('goes to the backend while the container lock is held', async () => {
    const { host, ctx } = await running();
    const lockFile = ctx.store.file('c1', 'lock');
    const locked: boolean[] = [];
    const real = host.sandbox.update.bind(host.sandbox);
    host.sandbox.update = (record, r) => {
      locked.push(isLocked(lockFile));
      real(record, r);
    };
    await update(ctx, 'c1', resources);
    expect(locked).toEqual([true]);
    expect(isLocked(lockFile)).toBe(false);
    expect(host.sandbox.jails.get('c1')?.resources).toEqual([resources]);
    expect(host.events).toEqual(['sandbox.update c1']);
  });
  it('a stopped container: "container not running", nothing applied', async () => {
    const { host, ctx } = await running();
    await kill(ctx, 'c1', 'KILL');
    await expect(update(ctx, 'c1', resources)).rejects.toMatchObject({ code: 'ENOTRUNNING', message: 'container not running' });
    expect(host.events.filter((e) => e.startsWith('sandbox.update'))).toEqual([]);
  });
  it('lock contention: ELOCKED, nothing applied', async () => {
    const { host, ctx } = await running();
    const held = tryLockFile(ctx.store.file('c1', 'lock'));
    try {
      await expect(update(ctx, 'c1', resources)).rejects.toMatchObject({ code: 'ELOCKED', message: 'container c1 is locked by another operation' });
    } finally {
      held?.release();
    }
    expect(host.sandbox.jails.get('c1')?.resources).toEqual([]);
  });
  it('the backend refuses: its error, and the lock is released', async () => {
    const { host, ctx } = await running();
    host.sandbox.failOn.set('update', new Error('rctl: EINVAL'));
    await expect(update(ctx, 'c1', resources)).rejects.toThrow('rctl: EINVAL');
    expect(isLocked(ctx.store.file('c1', 'lock'))).toBe(false);
  });
  it('a missing container: "container does not exist"', async () => {
    const host = new FakeHost();
    await expect(update(await host.context(), 'nope', resources)).rejects.toMatchObject({ code: 'ENOTEXIST' });
  });
});
