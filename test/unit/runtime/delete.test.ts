/** delete: each status, with and without force, every teardown failure, unusable state, and what each leaves. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { RuntimeError } from '../../../src/core/errors.js';
import { deleteContainer } from '../../../src/runtime/delete.js';
import { tryLockFile } from '../../../src/runtime/lock.js';
import { state } from '../../../src/runtime/state.js';
import { baseRecord, created, fails, paused, plant, running, saved, setup, stopped } from './lifecycle.js';

const nothing = { processes: [], jails: [], dirs: [] };
const hookEvents = (events: string[]) => events.filter((e) => e.startsWith('hook '));

describe('delete of a stopped or created container', () => {
  it('stopped: torn down, state removed, then every poststop hook runs in order; failures are warnings', async () => {
    const { host, ctx, lines } = await setup();
    await stopped(host, ctx, 'c1', { poststop: ['/h/a', '/h/bad', '/h/slow', '/h/c'] });
    host.hookResults.set('/h/bad', 'fail');
    host.hookResults.set('/h/slow', 'timeout');
    const dirAtHook: boolean[] = [];
    ctx.runHook = (stage, hook, st) => {
      dirAtHook.push(fs.existsSync(ctx.store.dir('c1')));
      return host.runHook(stage, hook, st);
    };
    host.events.length = 0;
    lines.length = 0;
    await deleteContainer(ctx, 'c1');
    expect(host.events).toEqual([
      'sandbox.listPids c1',
      'sandbox.tearDown c1',
      'hook poststop /h/a stopped',
      'hook poststop /h/bad stopped',
      'hook poststop /h/slow stopped',
      'hook poststop /h/c stopped',
    ]);
    expect(dirAtHook).toEqual([false, false, false, false]);
    expect(lines.map((l) => [l.level, l.msg.replace(/timed out.*/, 'timed out')])).toEqual([
      ['warn', 'c1: poststop hook /h/bad: exit status 1'],
      ['warn', 'c1: poststop hook /h/slow: timed out'],
    ]);
    expect(host.leftovers()).toEqual(nothing);
    await fails(deleteContainer(ctx, 'c1'), 'ENOTEXIST', 'container does not exist');
  });

  it('created: the init is SIGKILLed first (as containerd expects), then torn down', async () => {
    const { host, ctx } = await setup();
    const init = await created(host, ctx, 'c1', { poststop: ['/h/a'] });
    host.events.length = 0;
    await deleteContainer(ctx, 'c1');
    expect(host.events).toEqual([
      'sandbox.killAll c1 9',
      `signal ${init.pid} 9`,
      'sandbox.listPids c1',
      'sandbox.tearDown c1',
      'hook poststop /h/a stopped',
    ]);
    expect(host.leftovers()).toEqual(nothing);
  });

  it('a record without hooks (as an older runj wrote it) is deleted all the same', async () => {
    const { host, ctx } = await setup();
    plant(ctx, 'c1', JSON.stringify(baseRecord('c1')));
    await deleteContainer(ctx, 'c1');
    expect(host.events).toEqual(['sandbox.listPids c1', 'sandbox.tearDown c1']);
    expect(host.leftovers()).toEqual(nothing);
  });

  it('stopped, but a process of the container outlived the init: it is killed too', async () => {
    const { host, ctx } = await setup();
    await stopped(host, ctx, 'c1');
    const straggler = host.spawn('c1');
    await deleteContainer(ctx, 'c1');
    expect(straggler.signals).toEqual([9]);
    expect(host.leftovers()).toEqual(nothing);
  });

  it.each([
    ['running', running],
    ['paused', paused],
  ] as const)('%s without force is refused and nothing changes', async (status, make) => {
    const { host, ctx } = await setup();
    const init = await make(host, ctx, 'c1', { poststop: ['/h/a'] });
    host.events.length = 0;
    await fails(deleteContainer(ctx, 'c1'), 'EBADSTATE', `cannot delete container c1 that is not stopped: ${status}`);
    expect(host.events).toEqual([]);
    expect(init.state).toBe('alive');
    expect(saved(ctx, 'c1')).toBe(status);
    expect(host.leftovers()).toEqual({ processes: [init.pid], jails: ['c1'], dirs: ['c1'] });
  });
});

describe('delete --force', () => {
  it('running: every process is killed, waited for, torn down, and poststop hooks run', async () => {
    const { host, ctx } = await setup();
    const init = await running(host, ctx, 'c1', { poststop: ['/h/a'] });
    const exec = host.spawn('c1');
    host.events.length = 0;
    await deleteContainer(ctx, 'c1', true);
    expect(host.events).toEqual([
      'sandbox.killAll c1 9',
      `signal ${init.pid} 9`,
      `signal ${exec.pid} 9`,
      'sandbox.listPids c1',
      'sandbox.tearDown c1',
      'hook poststop /h/a stopped',
    ]);
    expect(host.leftovers()).toEqual(nothing);
  });

  it('paused: SIGKILL, then thaw (frozen processes die only once thawed), then teardown', async () => {
    const { host, ctx } = await setup();
    await paused(host, ctx, 'c1');
    host.events.length = 0;
    await deleteContainer(ctx, 'c1', true);
    expect(host.events.filter((e) => e.startsWith('sandbox.'))).toEqual(['sandbox.killAll c1 9', 'sandbox.freeze c1 false', 'sandbox.listPids c1', 'sandbox.tearDown c1']);
    expect(host.leftovers()).toEqual(nothing);
  });

  it('on an id that does not exist: no error, and what crashed deletes left is swept', async () => {
    const { host, ctx } = await setup();
    fs.mkdirSync(path.join(ctx.store.root, '.trash~old~1~0123abcd'));
    await deleteContainer(ctx, 'nope', true);
    expect(host.leftovers()).toEqual(nothing);
    await fails(deleteContainer(ctx, 'nope'), 'ENOTEXIST', 'container does not exist');
  });
});

describe('processes that will not die', () => {
  it('an unkillable init: ESYSTEM, the state stays for a retry, and the retry works', async () => {
    const { host, ctx } = await setup();
    const init = await created(host, ctx, 'c1', { poststop: ['/h/a'] });
    init.unkillable = true;
    await fails(deleteContainer(ctx, 'c1'), 'ESYSTEM', 'container c1 did not stop after SIGKILL');
    expect(saved(ctx, 'c1')).toBe('created');
    expect(host.leftovers()).toEqual({ processes: [init.pid], jails: ['c1'], dirs: ['c1'] });
    expect(hookEvents(host.events)).toEqual([]);
    init.unkillable = false;
    await deleteContainer(ctx, 'c1');
    expect(host.leftovers()).toEqual(nothing);
  });

  it('the init died but another process of the container did not: the same error', async () => {
    const { host, ctx } = await setup();
    await stopped(host, ctx, 'c1');
    const stuck = host.spawn('c1');
    stuck.unkillable = true;
    await fails(deleteContainer(ctx, 'c1'), 'ESYSTEM', 'container c1 did not stop after SIGKILL');
    expect(host.leftovers()).toEqual({ processes: [stuck.pid], jails: ['c1'], dirs: ['c1'] });
  });

  it('with force, recovery that cannot kill them either: its error, the state kept', async () => {
    const { host, ctx, lines } = await setup();
    const init = await running(host, ctx, 'c1', { poststop: ['/h/a'] });
    init.unkillable = true;
    lines.length = 0;
    await fails(deleteContainer(ctx, 'c1', true), 'ESYSTEM', 'recovering c1: processes did not die');
    expect(lines).toEqual([{ level: 'warn', msg: 'c1: container c1 did not stop after SIGKILL: recovering from what the id and recovery data name' }]);
    expect(saved(ctx, 'c1')).toBe('running');
    expect(host.leftovers().dirs).toEqual(['c1']);
    expect(hookEvents(host.events)).toEqual([]);
  });

  it('with force, a recovery that returns but leaves the init alive: the first error, the state kept', async () => {
    const { host, ctx } = await setup();
    const init = await running(host, ctx, 'c1');
    init.unkillable = true;
    const recover = vi.spyOn(host.sandbox, 'recover').mockResolvedValue();
    await fails(deleteContainer(ctx, 'c1', true), 'ESYSTEM', 'container c1 did not stop after SIGKILL');
    expect(recover).toHaveBeenCalledWith('c1', expect.objectContaining({ name: 'c1' }));
    expect(saved(ctx, 'c1')).toBe('running');
    expect(host.leftovers()).toEqual({ processes: [init.pid], jails: ['c1'], dirs: ['c1'] });
  });
});

describe('teardown failures', () => {
  const broken = new RuntimeError('ESYSTEM', 'unmount /tmp: EBUSY');

  it('without force: the error, and the state stays for another try', async () => {
    const { host, ctx } = await setup();
    await stopped(host, ctx, 'c1', { poststop: ['/h/a'] });
    host.sandbox.failOn.set('tearDown', broken);
    await fails(deleteContainer(ctx, 'c1'), 'ESYSTEM', 'unmount /tmp: EBUSY');
    expect(state(ctx, 'c1').status).toBe('stopped');
    expect(host.leftovers()).toEqual({ processes: [], jails: ['c1'], dirs: ['c1'] });
    expect(hookEvents(host.events)).toEqual([]);
    host.sandbox.failOn.delete('tearDown');
    await deleteContainer(ctx, 'c1');
    expect(host.leftovers()).toEqual(nothing);
  });

  it('with force: recover() from recovery.json finishes, with a warning, and poststop hooks run', async () => {
    const { host, ctx, lines } = await setup();
    await stopped(host, ctx, 'c1', { poststop: ['/h/a'] });
    host.sandbox.failOn.set('tearDown', broken);
    host.events.length = 0;
    lines.length = 0;
    await deleteContainer(ctx, 'c1', true);
    expect(host.events).toEqual(['sandbox.listPids c1', 'sandbox.tearDown c1', 'sandbox.recover c1 with data', 'hook poststop /h/a stopped']);
    expect(lines).toEqual([{ level: 'warn', msg: 'c1: unmount /tmp: EBUSY: recovering from what the id and recovery data name' }]);
    expect(host.leftovers()).toEqual(nothing);
  });

  it('with force, recover failing too: its error, the state kept, no hooks', async () => {
    const { host, ctx } = await setup();
    await stopped(host, ctx, 'c1', { poststop: ['/h/a'] });
    host.sandbox.failOn.set('tearDown', broken);
    host.sandbox.failOn.set('recover', new RuntimeError('ESYSTEM', 'recover c1: jail_remove: EPERM'));
    await fails(deleteContainer(ctx, 'c1', true), 'ESYSTEM', 'recover c1: jail_remove: EPERM');
    expect(state(ctx, 'c1').status).toBe('stopped');
    expect(host.leftovers()).toEqual({ processes: [], jails: ['c1'], dirs: ['c1'] });
    expect(hookEvents(host.events)).toEqual([]);
  });
});

describe('unusable state.json', () => {
  it.each([
    ['garbage', 'not JSON'],
    [undefined, 'state.json is missing'],
  ])('%s without force: ESYSTEM naming the file and delete --force; nothing touched', async (text, why) => {
    const { host, ctx } = await setup();
    await created(host, ctx, 'c1');
    const file = ctx.store.file('c1', 'state.json');
    if (text === undefined) fs.rmSync(file);
    else fs.writeFileSync(file, text);
    host.events.length = 0;
    await fails(deleteContainer(ctx, 'c1'), 'ESYSTEM', `state of c1 is unusable (${why}): ${file}; 'delete --force' removes it`);
    expect(host.events).toEqual([]);
    expect(host.leftovers()).toMatchObject({ jails: ['c1'], dirs: ['c1'] });
  });

  it.each([
    ['the data create saved in recovery.json', undefined, 'with data'],
    ['the id alone when recovery.json is garbage', 'garbage', 'without data'],
    ['the id alone when recovery.json names no platform', '{"data":{}}', 'without data'],
    ['the id alone when recovery.json is missing', null, 'without data'],
  ])('with force: recovered from %s, no poststop hooks', async (_, recovery, how) => {
    const { host, ctx, lines } = await setup();
    await created(host, ctx, 'c1', { poststop: ['/h/a'] });
    fs.writeFileSync(ctx.store.file('c1', 'state.json'), '{}');
    if (recovery === null) fs.rmSync(ctx.store.file('c1', 'recovery.json'));
    else if (recovery !== undefined) fs.writeFileSync(ctx.store.file('c1', 'recovery.json'), recovery);
    host.events.length = 0;
    lines.length = 0;
    await deleteContainer(ctx, 'c1', true);
    expect(host.events.filter((e) => !e.startsWith('signal'))).toEqual([`sandbox.recover c1 ${how}`]);
    expect(lines).toEqual([{ level: 'warn', msg: 'c1: state is unusable (id is undefined, not "c1"): recovering from what the id and recovery data name' }]);
    expect(host.leftovers()).toEqual(nothing);
  });
});

describe('an abandoned create', () => {
  it('a creating record nobody holds: killed, torn down, recover() for what it did not record yet, no poststop hooks', async () => {
    const { host, ctx } = await setup();
    const init = host.spawn('c1');
    host.sandbox.jails.set('c1', { id: 'c1', jid: 7, mounts: [], frozen: false, resources: [] });
    plant(
      ctx,
      'c1',
      JSON.stringify(baseRecord('c1', { status: 'creating', pid: init.pid, startTime: init.startTime, hooks: { poststop: [{ path: '/h/a' }] } })),
      JSON.stringify({ platform: 'fake', data: { name: 'c1' } }),
    );
    expect(state(ctx, 'c1').status).toBe('stopped');
    await deleteContainer(ctx, 'c1');
    expect(host.events).toEqual(['sandbox.killAll c1 9', `signal ${init.pid} 9`, 'sandbox.listPids c1', 'sandbox.tearDown c1', 'sandbox.recover c1 with data']);
    expect(host.leftovers()).toEqual(nothing);
  });
});

describe('lock contention', () => {
  it('another holder: ELOCKED after lockTimeoutMs; nothing torn down', async () => {
    const { host, ctx } = await setup();
    await stopped(host, ctx, 'c1', { poststop: ['/h/a'] });
    const held = tryLockFile(ctx.store.file('c1', 'lock'));
    host.events.length = 0;
    try {
      await fails(deleteContainer(ctx, 'c1', true), 'ELOCKED', 'container c1 is locked by another operation');
    } finally {
      held?.release();
    }
    expect(host.events).toEqual([]);
    expect(host.leftovers()).toEqual({ processes: [], jails: ['c1'], dirs: ['c1'] });
  });

  it('an invalid id is refused before anything', async () => {
    const { ctx } = await setup();
    await fails(deleteContainer(ctx, '../x', true), 'EINVALID', /invalid container id/);
  });
});
