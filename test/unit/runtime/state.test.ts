/** state, list and liveness: what a record's status reads as once its processes are looked at. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { currentStatus, isAlive, killInit, waitGone } from '../../../src/runtime/liveness.js';
import { tryLockFile } from '../../../src/runtime/lock.js';
import { list, state } from '../../../src/runtime/state.js';
import { baseRecord, created, fails, paused, plant, running, setup } from './lifecycle.js';

describe('state', () => {
  it("prints runc's fields for a live container, with its annotations", async () => {
    const { host, ctx } = await setup();
    const init = await running(host, ctx, 'c1');
    const r = ctx.store.load('c1');
    expect(state(ctx, 'c1')).toEqual({
      ociVersion: '1.3.0',
      id: 'c1',
      pid: init.pid,
      status: 'running',
      bundle: r.bundle,
      rootfs: r.rootfs,
      created: r.created,
      owner: '', // as runc's state: list fills it in
    });
    plant(ctx, 'c2', JSON.stringify(baseRecord('c2', { annotations: { a: 'b' } })));
    expect(state(ctx, 'c2')).toMatchObject({ status: 'stopped', pid: 0, annotations: { a: 'b' } });
  });

  it('a missing container, a corrupt record and an invalid id', async () => {
    const { ctx } = await setup();
    await fails(() => state(ctx, 'nope'), 'ENOTEXIST', 'container does not exist');
    plant(ctx, 'c1', '{"id":"c1"}');
    await fails(() => state(ctx, 'c1'), 'ESYSTEM', `state of c1 is corrupt (pid is not a non-negative integer): ${ctx.store.file('c1', 'state.json')}`);
    await fails(() => state(ctx, '..'), 'EINVALID', /invalid container id/);
  });
});

describe('liveness', () => {
  it('pid reuse: the same pid with another start time reads as stopped, pid 0', async () => {
    const { host, ctx } = await setup();
    const init = await running(host, ctx, 'c1');
    init.startTime = 'a later process';
    expect(state(ctx, 'c1')).toMatchObject({ status: 'stopped', pid: 0 });
    expect(isAlive(ctx, ctx.store.load('c1'))).toBe(false);
  });

  it('a zombie init reads as stopped', async () => {
    const { host, ctx } = await setup();
    const init = await paused(host, ctx, 'c1');
    expect(state(ctx, 'c1').status).toBe('paused');
    host.exit(init, { code: 0, signal: null }, 'zombie');
    expect(state(ctx, 'c1')).toMatchObject({ status: 'stopped', pid: 0 });
  });

  it('a record with pid 0 is never alive, whatever it says', async () => {
    const { ctx } = await setup();
    plant(ctx, 'c1', JSON.stringify(baseRecord('c1', { status: 'running', pid: 0 })));
    expect(state(ctx, 'c1').status).toBe('stopped');
  });

  it('creating: creating while its lock is held, stopped once abandoned, and stopped to the lock holder', async () => {
    const { host, ctx } = await setup();
    const init = host.spawn('c1');
    plant(ctx, 'c1', JSON.stringify(baseRecord('c1', { status: 'creating', pid: init.pid, startTime: init.startTime })));
    const record = ctx.store.load('c1');
    const held = tryLockFile(ctx.store.file('c1', 'lock'), true);
    try {
      expect(state(ctx, 'c1')).toMatchObject({ status: 'creating', pid: init.pid });
      expect(currentStatus(ctx, record, true)).toBe('stopped');
    } finally {
      held?.release();
    }
    expect(state(ctx, 'c1')).toMatchObject({ status: 'stopped', pid: 0 });
    fs.rmSync(ctx.store.file('c1', 'lock'));
    expect(state(ctx, 'c1').status).toBe('stopped'); // no lock file at all: nobody is creating it
  });

  it('a stopped record stays stopped even if its pid is alive again', async () => {
    const { host, ctx } = await setup();
    const p = host.spawn('c1');
    plant(ctx, 'c1', JSON.stringify(baseRecord('c1', { status: 'stopped', pid: p.pid, startTime: p.startTime })));
    expect(state(ctx, 'c1').status).toBe('stopped');
  });

  it('killInit: SIGKILL and wait; pid 0 and an already-gone init are not errors', async () => {
    const { host, ctx } = await setup();
    const init = await created(host, ctx, 'c1');
    const record = ctx.store.load('c1');
    expect(await killInit(ctx, record)).toBe(true);
    expect(init.signals).toEqual([9]);
    expect(await killInit(ctx, record)).toBe(true); // ESRCH swallowed
    host.events.length = 0;
    expect(await killInit(ctx, { ...record, pid: 0 })).toBe(true);
    expect(host.events).toEqual([]);
  });

  it('waitGone gives up after its timeout (virtual time) when the process does not die', async () => {
    const { host, ctx } = await setup();
    const init = await created(host, ctx, 'c1');
    init.unkillable = true;
    const t0 = host.clock.now();
    expect(await killInit(ctx, ctx.store.load('c1'))).toBe(false);
    expect(host.clock.now() - t0).toBeGreaterThan(10_000);
    expect(await waitGone(ctx, ctx.store.load('c1'), 100)).toBe(false);
  });
});

describe('list', () => {
  it('returns every readable container, skipping (at debug level) unreadable ones and work in progress', async () => {
    const { host, ctx, lines } = await setup();
    const init = await running(host, ctx, 'b');
    plant(ctx, 'a', JSON.stringify(baseRecord('a')));
    plant(ctx, 'c', 'garbage');
    plant(ctx, 'd', undefined);
    fs.mkdirSync(path.join(ctx.store.root, '.creating~e~1~0123abcd'));
    fs.writeFileSync(path.join(ctx.store.root, 'f'), 'a file, not a container');
    lines.length = 0;
    const out = list(ctx);
    expect(out.map((s) => [s.id, s.status, s.pid])).toEqual([
      ['a', 'stopped', 0],
      ['b', 'running', init.pid],
    ]);
    expect(lines).toEqual([
      { level: 'debug', msg: `list: skipping c: state of c is corrupt (not JSON): ${ctx.store.file('c', 'state.json')}` },
      { level: 'debug', msg: `list: skipping d: state of d is corrupt (state.json is missing): ${ctx.store.file('d', 'state.json')}` },
    ]);
  });

  it("shows as owner the user owning each container's directory, as runc does", async () => {
    const { host, ctx } = await setup();
    await running(host, ctx, 'mine');
    plant(ctx, 'theirs', JSON.stringify(baseRecord('theirs')));
    // Another user's directory (chown needs root: otherwise only the current user's name is checked).
    const other = process.getuid?.() === 0 ? 4_000_123 : undefined;
    if (other !== undefined) fs.chownSync(ctx.store.dir('theirs'), other, other);
    const owners = Object.fromEntries(list(ctx).map((s) => [s.id, s.owner]));
    expect(owners.mine).toBe(os.userInfo().username);
    expect(owners.theirs).toBe(other === undefined ? os.userInfo().username : `#${other}`);
  });

  it('an empty or missing root lists nothing', async () => {
    const { ctx } = await setup();
    expect(list(ctx)).toEqual([]);
    fs.rmSync(ctx.store.root, { recursive: true });
    expect(list(ctx)).toEqual([]);
  });
});
