/** kill: signal parsing as runc, the status checks, the ESRCH race, and --all through the backend. */
import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { kill } from '../../../src/runtime/kill.js';
import { tryLockFile } from '../../../src/runtime/lock.js';
import { parseSignal, signalName } from '../../../src/runtime/signals.js';
import { platformSignals } from '../../../src/runtime/backends.js';
import { state } from '../../../src/runtime/state.js';
import { baseRecord, created, fails, paused, plant, running, setup, stopped } from './lifecycle.js';

describe('kill', () => {
  it('sends SIGTERM by default, to the init only', async () => {
    const { host, ctx } = await setup();
    const init = await running(host, ctx, 'c1');
    const other = host.spawn('c1');
    host.events.length = 0;
    await kill(ctx, 'c1');
    expect(host.events).toEqual([`signal ${init.pid} 15`]);
    expect(other.signals).toEqual([]);
    expect(state(ctx, 'c1').status).toBe('stopped');
  });

  it.each([
    ['KILL', 9],
    ['SIGKILL', 9],
    ['kill', 9],
    [' usr1 ', constants.signals.SIGUSR1],
    ['9', 9],
    ['15', 15],
    ['64', 64],
  ])('accepts %j as signal %i', async (text, n) => {
    const { host, ctx } = await setup();
    const init = await created(host, ctx, 'c1');
    await kill(ctx, 'c1', text);
    expect(init.signals).toEqual([n]);
  });

  it('0 only probes: nothing is sent, the container stays', async () => {
    const { host, ctx } = await setup();
    const init = await running(host, ctx, 'c1');
    await kill(ctx, 'c1', '0');
    expect(init.signals).toEqual([]);
    expect(state(ctx, 'c1').status).toBe('running');
  });

  it.each(['FOO', 'SIGFOO', '65', '-1', '1.5', ''])('refuses %j with "unknown signal", before looking at the container', async (text) => {
    const { host, ctx } = await setup();
    const init = await running(host, ctx, 'c1');
    await fails(kill(ctx, 'c1', text), 'EINVALID', text === '' ? 'unknown signal ""' : `unknown signal "${text}"`);
    await fails(kill(ctx, 'nope', text), 'EINVALID', /^unknown signal/);
    expect(init.signals).toEqual([]);
  });

  it('a stopped container: "container not running"; with --all it returns quietly and signals nothing', async () => {
    const { host, ctx } = await setup();
    await stopped(host, ctx, 'c1');
    host.events.length = 0;
    await fails(kill(ctx, 'c1', 'TERM'), 'ENOTRUNNING', 'container not running');
    await kill(ctx, 'c1', 'KILL', true);
    expect(host.events).toEqual([]);
  });

  it('a container still being created (its lock held): "container not running"', async () => {
    const { host, ctx } = await setup();
    const init = host.spawn('c1');
    plant(ctx, 'c1', JSON.stringify(baseRecord('c1', { status: 'creating', pid: init.pid, startTime: init.startTime })));
    const held = tryLockFile(ctx.store.file('c1', 'lock'), true);
    try {
      await fails(kill(ctx, 'c1', 'KILL'), 'ENOTRUNNING', 'container not running');
      await fails(kill(ctx, 'c1', 'KILL', true), 'ENOTRUNNING', 'container not running');
    } finally {
      held?.release();
    }
    expect(init.signals).toEqual([]);
  });

  it('a missing container: "container does not exist"', async () => {
    const { ctx } = await setup();
    await fails(kill(ctx, 'nope'), 'ENOTEXIST', 'container does not exist');
  });

  it('the init exiting between the check and kill(2) (ESRCH): "container not running"', async () => {
    const { host, ctx } = await setup();
    await running(host, ctx, 'c1');
    ctx.signal = (pid) => {
      throw Object.assign(new Error(`kill ${pid}: ESRCH`), { code: 'ESRCH' });
    };
    await fails(kill(ctx, 'c1'), 'ENOTRUNNING', 'container not running');
  });

  it('any other errno is ESYSTEM naming the pid', async () => {
    const { host, ctx } = await setup();
    const init = await running(host, ctx, 'c1');
    ctx.signal = () => {
      throw Object.assign(new Error('operation not permitted'), { code: 'EPERM' });
    };
    await fails(kill(ctx, 'c1'), 'ESYSTEM', `kill ${init.pid}: EPERM: operation not permitted`);
    expect(init.state).toBe('alive');
  });

  it('--all goes through the backend killAll: every process of the container, a paused one too', async () => {
    const { host, ctx } = await setup();
    const init = await paused(host, ctx, 'c1');
    const other = host.spawn('c1');
    const foreign = host.spawn('c2');
    host.events.length = 0;
    await kill(ctx, 'c1', 'KILL', true);
    expect(host.events).toEqual(['sandbox.killAll c1 9', `signal ${init.pid} 9`, `signal ${other.pid} 9`]);
    expect(foreign.signals).toEqual([]);
    expect(host.alive('c1')).toEqual([]);
  });
});

describe('signal tables', () => {
  it("FreeBSD's real-time range and names are its own", () => {
    const bsd = platformSignals('freebsd');
    expect(parseSignal('126', undefined, bsd)).toBe(126);
    expect(() => parseSignal('127', undefined, bsd)).toThrow('unknown signal "127"');
    expect(parseSignal('INFO', undefined, bsd)).toBe(29);
    expect(() => parseSignal('INFO', undefined, platformSignals('linux'))).toThrow('unknown signal "INFO"');
    expect(parseSignal(undefined, 'KILL', bsd)).toBe(9);
  });

  it('signalName gives the name, or the number when there is none', () => {
    expect(signalName(9, platformSignals('linux'))).toBe('SIGKILL');
    expect(signalName(200, platformSignals('linux'))).toBe('200');
  });
});
