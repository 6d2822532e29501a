import { describe, expect, it } from 'vitest';
import type { RuntimeContext } from '../../../src/runtime/context.js';
import { create } from '../../../src/runtime/create.js';
import { kill } from '../../../src/runtime/kill.js';
import { tryLockFile } from '../../../src/runtime/lock.js';
import { pause, resume } from '../../../src/runtime/pause.js';
import { start } from '../../../src/runtime/start.js';
import { state } from '../../../src/runtime/state.js';
import { makeBundle } from '../fakes/bundle.js';
import { FakeHost } from '../fakes/host.js';

async function container(status: 'created' | 'running' | 'paused' | 'stopped'): Promise<{ host: FakeHost; ctx: RuntimeContext }> {
  const host = new FakeHost();
  const ctx = await host.context({ lockTimeoutMs: 50 });
  await create(ctx, { id: 'c1', bundle: makeBundle() });
  if (status !== 'created') await start(ctx, 'c1');
  if (status === 'paused') await pause(ctx, 'c1');
  if (status === 'stopped') await kill(ctx, 'c1', 'KILL');
  host.events.length = 0;
  return { host, ctx };
}

const freezes = (host: FakeHost) => host.events.filter((e) => e.startsWith('sandbox.freeze'));

describe('pause and resume', () => {
  it('running → paused → running: the backend freezes and thaws, the status is saved', async () => {
    const { host, ctx } = await container('running');
    const init = state(ctx, 'c1').pid;
    await pause(ctx, 'c1');
    expect(ctx.store.load('c1').status).toBe('paused');
    expect(state(ctx, 'c1').status).toBe('paused');
    expect(host.sandbox.jails.get('c1')?.frozen).toBe(true);
    expect(host.procs.get(init)?.frozen).toBe(true);
    await resume(ctx, 'c1');
    expect(ctx.store.load('c1').status).toBe('running');
    expect(host.sandbox.jails.get('c1')?.frozen).toBe(false);
    expect(host.procs.get(init)?.frozen).toBe(false);
    expect(freezes(host)).toEqual(['sandbox.freeze c1 true', 'sandbox.freeze c1 false']);
  });
  it('a paused container ignores SIGTERM until resumed (the fake honours frozen)', async () => {
    const { host, ctx } = await container('paused');
    const init = state(ctx, 'c1').pid;
    host.signal(init, 'SIGTERM');
    expect(state(ctx, 'c1').status).toBe('paused');
    await resume(ctx, 'c1');
    expect(state(ctx, 'c1').status).toBe('running');
  });

  it.each([
    ['created', 'pause', 'ENOTRUNNING', /^container not running$/],
    ['paused', 'pause', 'ENOTRUNNING', /^container not running$/],
    ['stopped', 'pause', 'ENOTRUNNING', /^container not running$/],
    ['created', 'resume', 'EBADSTATE', /^container not paused$/],
    ['running', 'resume', 'EBADSTATE', /^container not paused$/],
    ['stopped', 'resume', 'EBADSTATE', /^container not paused$/],
  ] as const)('%s: %s is refused (%s), nothing frozen, status kept', async (status, op, code, msg) => {
    const { host, ctx } = await container(status);
    const before = ctx.store.load('c1').status;
    await expect((op === 'pause' ? pause : resume)(ctx, 'c1')).rejects.toMatchObject({ code, message: expect.stringMatching(msg) });
    expect(freezes(host)).toEqual([]);
    expect(ctx.store.load('c1').status).toBe(before);
    expect(state(ctx, 'c1').status).toBe(status);
  });
  it('a paused container whose init died reads stopped: resume is refused', async () => {
    const { host, ctx } = await container('paused');
    const init = host.procs.get(state(ctx, 'c1').pid);
    if (init) host.exit(init, { code: null, signal: 'SIGKILL' });
    await expect(resume(ctx, 'c1')).rejects.toMatchObject({ code: 'EBADSTATE', message: 'container not paused' });
    expect(freezes(host)).toEqual([]);
  });
  it('a missing container: "container does not exist", no lock file made', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    await expect(pause(ctx, 'nope')).rejects.toMatchObject({ code: 'ENOTEXIST', message: 'container does not exist' });
    await expect(resume(ctx, 'nope')).rejects.toMatchObject({ code: 'ENOTEXIST' });
    expect(host.leftovers().dirs).toEqual([]);
  });
  it('an invalid id is refused before any lock', async () => {
    const { ctx } = await container('running');
    await expect(pause(ctx, '../c1')).rejects.toMatchObject({ code: 'EINVALID' });
  });
  it('lock contention: ELOCKED after ctx.lockTimeoutMs, nothing frozen; works once the lock is free', async () => {
    const { host, ctx } = await container('running');
    const held = tryLockFile(ctx.store.file('c1', 'lock'));
    expect(held).toBeDefined();
    const t0 = Date.now();
    try {
      await expect(pause(ctx, 'c1')).rejects.toMatchObject({ code: 'ELOCKED', message: 'container c1 is locked by another operation' });
    } finally {
      held?.release();
    }
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(freezes(host)).toEqual([]);
    expect(ctx.store.load('c1').status).toBe('running');
    await pause(ctx, 'c1');
    expect(state(ctx, 'c1').status).toBe('paused');
  });
  it('the backend fails to freeze: the error, status unchanged, lock released', async () => {
    const { host, ctx } = await container('running');
    host.sandbox.failOn.set('freeze', new Error('cgroup.freeze: EBUSY'));
    await expect(pause(ctx, 'c1')).rejects.toThrow('cgroup.freeze: EBUSY');
    expect(ctx.store.load('c1').status).toBe('running');
    host.sandbox.failOn.delete('freeze');
    await pause(ctx, 'c1'); // the lock was released
    expect(state(ctx, 'c1').status).toBe('paused');
  });
});
