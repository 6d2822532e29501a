/**
 * The status table: every operation from every status, allowed or refused
 * with runc's wording, first as the table says, then through the real
 * operations against the fake.
 */
import { describe, expect, it } from 'vitest';
import type { RuntimeContext } from '../../../src/runtime/context.js';
import { deleteContainer } from '../../../src/runtime/delete.js';
import { exec } from '../../../src/runtime/exec.js';
import { kill } from '../../../src/runtime/kill.js';
import { type Lock, tryLockFile } from '../../../src/runtime/lock.js';
import { pause, resume } from '../../../src/runtime/pause.js';
import { pids } from '../../../src/runtime/ps.js';
import { start } from '../../../src/runtime/start.js';
import { state } from '../../../src/runtime/state.js';
import { type Operation, type Status, allowed, check, nextStatus } from '../../../src/runtime/status.js';
import type { FakeHost } from '../fakes/host.js';
import { baseRecord, created, fails, paused, plant, running, setup, stopped } from './lifecycle.js';

const STATUSES: Status[] = ['creating', 'created', 'running', 'paused', 'stopped'];
const OK = null;
type Outcome = typeof OK | readonly [code: string, message: string];
const notRunning = ['ENOTRUNNING', 'container not running'] as const;
const notPaused = ['EBADSTATE', 'container not paused'] as const;
const deleteRefused = (s: Status) => ['EBADSTATE', `cannot delete container c1 that is not stopped: ${s}`] as const;

/** What each operation does from each status (runc's messages where runc has one). */
const TABLE: Record<Operation, Record<Status, Outcome>> = {
  start: {
    creating: ['EBADSTATE', 'cannot start a container in the creating state'],
    created: OK,
    running: ['EBADSTATE', 'cannot start an already running container'],
    paused: ['EBADSTATE', 'cannot start a container in the paused state'],
    stopped: ['EBADSTATE', 'cannot start a container that has stopped'],
  },
  kill: { creating: notRunning, created: OK, running: OK, paused: OK, stopped: notRunning },
  delete: { creating: OK, created: OK, running: deleteRefused('running'), paused: deleteRefused('paused'), stopped: OK },
  forceDelete: { creating: OK, created: OK, running: OK, paused: OK, stopped: OK },
  exec: { creating: notRunning, created: OK, running: OK, paused: notRunning, stopped: notRunning },
  pause: { creating: notRunning, created: notRunning, running: OK, paused: notRunning, stopped: notRunning },
  resume: { creating: notPaused, created: notPaused, running: notPaused, paused: OK, stopped: notPaused },
  ps: { creating: ['EBADSTATE', 'cannot ps container c1 in the creating state'], created: OK, running: OK, paused: OK, stopped: OK },
};

const cases = (Object.keys(TABLE) as Operation[]).flatMap((op) => STATUSES.map((s) => [op, s, TABLE[op][s]] as const));

describe('the table', () => {
  it.each(cases)('%s from %s', async (op, status, outcome) => {
    expect(allowed(op, status)).toBe(outcome === OK);
    if (outcome === OK) expect(() => check(op, status, 'c1')).not.toThrow();
    else await fails(() => check(op, status, 'c1'), outcome[0], outcome[1]);
  });

  it('names where a successful operation moves the container', () => {
    expect(nextStatus).toEqual({ start: 'running', pause: 'paused', resume: 'running' });
  });
});

/** A container named c1 in `status`, made by the real operations (creating: a record whose create still holds the lock). */
async function make(host: FakeHost, ctx: RuntimeContext, status: Status): Promise<Lock | undefined> {
  switch (status) {
    case 'creating': {
      const init = host.spawn('c1');
      plant(ctx, 'c1', JSON.stringify(baseRecord('c1', { status: 'creating', pid: init.pid, startTime: init.startTime })));
      return tryLockFile(ctx.store.file('c1', 'lock'), true);
    }
    case 'created':
      await created(host, ctx, 'c1');
      return;
    case 'running':
      await running(host, ctx, 'c1');
      return;
    case 'paused':
      await paused(host, ctx, 'c1');
      return;
    case 'stopped':
      await stopped(host, ctx, 'c1');
      return;
  }
}

/** The real operation, and the status it leaves on success (undefined: the container is gone). */
const RUN: Record<Operation, [run: (ctx: RuntimeContext) => Promise<unknown>, after: (before: Status) => Status | undefined]> = {
  start: [(ctx) => start(ctx, 'c1'), () => 'running'],
  kill: [(ctx) => kill(ctx, 'c1', '0'), (s) => s], // 0 only probes: the status stays
  delete: [(ctx) => deleteContainer(ctx, 'c1'), () => undefined],
  forceDelete: [(ctx) => deleteContainer(ctx, 'c1', true), () => undefined],
  exec: [(ctx) => exec(ctx, { id: 'c1', args: ['/bin/true'], detach: true }), (s) => s],
  pause: [(ctx) => pause(ctx, 'c1'), () => 'paused'],
  resume: [(ctx) => resume(ctx, 'c1'), () => 'running'],
  ps: [(ctx) => pids(ctx, 'c1'), (s) => s],
};

// Operations that take the container lock cannot reach a live create's record: its create holds the lock.
const LOCKING = new Set<Operation>(['start', 'delete', 'forceDelete', 'pause', 'resume']);

describe('through the real operations', () => {
  it.each(cases)('%s from %s', async (op, status, outcome) => {
    const { host, ctx } = await setup();
    const lock = await make(host, ctx, status);
    const [run, after] = RUN[op];
    try {
      if (status === 'creating' && LOCKING.has(op)) {
        await fails(run(ctx), 'ELOCKED', 'container c1 is locked by another operation');
        expect(state(ctx, 'c1').status).toBe('creating');
        return;
      }
      if (outcome !== OK) {
        await fails(run(ctx), outcome[0], outcome[1]);
        expect(state(ctx, 'c1').status).toBe(status);
        return;
      }
      await run(ctx);
      const next = after(status);
      if (next === undefined) expect(ctx.store.exists('c1')).toBe(false);
      else expect(state(ctx, 'c1').status).toBe(next);
    } finally {
      lock?.release();
    }
  });

  it('a creating record whose create died is stopped to every operation', async () => {
    const { host, ctx } = await setup();
    (await make(host, ctx, 'creating'))?.release();
    await fails(start(ctx, 'c1'), 'EBADSTATE', 'cannot start a container that has stopped');
    await fails(kill(ctx, 'c1'), 'ENOTRUNNING', 'container not running');
    await fails(pause(ctx, 'c1'), 'ENOTRUNNING', 'container not running');
    expect(await pids(ctx, 'c1')).toEqual(host.alive('c1').map((p) => p.pid));
    await deleteContainer(ctx, 'c1');
    expect(host.leftovers()).toEqual({ processes: [], jails: [], dirs: [] });
  });
});
