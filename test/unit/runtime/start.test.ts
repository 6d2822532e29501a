/** start: the status/fifo protocol, every way the release can fail, and what each failure leaves. */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { RuntimeError } from '../../../src/core/errors.js';
import { tryLockFile } from '../../../src/runtime/lock.js';
import { start } from '../../../src/runtime/start.js';
import { state } from '../../../src/runtime/state.js';
import { baseRecord, created, fails, plant, running, saved, setup, stopped } from './lifecycle.js';

describe('start', () => {
  it('saves running before it opens exec.fifo, removes the fifo, then runs poststart hooks', async () => {
    const { host, ctx } = await setup();
    const init = await created(host, ctx, 'c1', { poststart: ['/h/a', '/h/b'] });
    const fifo = ctx.store.file('c1', 'exec.fifo');
    const seenAtOpen: string[] = [];
    ctx.releaseFifo = (file, alive) => {
      seenAtOpen.push(saved(ctx, 'c1'));
      return host.releaseFifo(file, alive);
    };
    host.events.length = 0;
    await start(ctx, 'c1');
    expect(seenAtOpen).toEqual(['running']);
    expect(host.events).toEqual(['fifo c1', 'hook poststart /h/a running', 'hook poststart /h/b running']);
    expect(host.helpers[0]?.started).toBe(true);
    expect(fs.existsSync(fifo)).toBe(false);
    expect(state(ctx, 'c1')).toMatchObject({ status: 'running', pid: init.pid });
    expect(host.leftovers()).toEqual({ processes: [init.pid], jails: ['c1'], dirs: ['c1'] });
  });

  it('a second start is refused by the status table and leaves the container running', async () => {
    const { host, ctx } = await setup();
    const init = await running(host, ctx, 'c1');
    host.events.length = 0;
    await fails(start(ctx, 'c1'), 'EBADSTATE', 'cannot start an already running container');
    expect(host.events).toEqual([]); // the fifo was not touched again
    expect(saved(ctx, 'c1')).toBe('running');
    expect(init.state).toBe('alive');
  });

  it('the fifo already gone (another start won the race): EBADSTATE, the record stays running, the init lives', async () => {
    const { host, ctx } = await setup();
    const init = await created(host, ctx, 'c1');
    fs.rmSync(ctx.store.file('c1', 'exec.fifo'));
    host.events.length = 0;
    await fails(start(ctx, 'c1'), 'EBADSTATE', 'cannot start an already running container');
    expect(saved(ctx, 'c1')).toBe('running');
    expect(init.state).toBe('alive');
    expect(init.signals).toEqual([]);
    expect(host.events).toEqual([]);
  });

  it('a stopped container cannot be started', async () => {
    const { host, ctx } = await setup();
    await stopped(host, ctx, 'c1');
    await fails(start(ctx, 'c1'), 'EBADSTATE', 'cannot start a container that has stopped');
    expect(saved(ctx, 'c1')).toBe('running'); // kill records nothing: the dead init is what says stopped
    expect(state(ctx, 'c1').status).toBe('stopped');
  });

  it('the init died between the status check and the fifo: EHELPER, status stopped', async () => {
    const { host, ctx } = await setup();
    const init = await created(host, ctx, 'c1');
    ctx.releaseFifo = (file, alive) => {
      host.exit(init, { code: 0, signal: null });
      return host.releaseFifo(file, alive);
    };
    await fails(start(ctx, 'c1'), 'EHELPER', 'container init exited before start');
    expect(saved(ctx, 'c1')).toBe('stopped');
    expect(state(ctx, 'c1')).toMatchObject({ status: 'stopped', pid: 0 });
    expect(host.leftovers().processes).toEqual([]);
  });

  it('any other fifo failure kills a still-live init and records stopped', async () => {
    const { host, ctx } = await setup();
    const init = await created(host, ctx, 'c1');
    ctx.releaseFifo = () => {
      throw new RuntimeError('ESYSTEM', 'open exec.fifo: EIO');
    };
    await fails(start(ctx, 'c1'), 'ESYSTEM', 'open exec.fifo: EIO');
    expect(init.signals).toEqual([9]);
    expect(init.state).toBe('gone');
    expect(saved(ctx, 'c1')).toBe('stopped');
  });

  it("the helper's start error (execve failed) is EHELPER with its stage; the init is gone, status stopped", async () => {
    const { host, ctx } = await setup();
    host.script = { startError: 'exec /bin/true: no such file or directory' };
    const init = await created(host, ctx, 'c1', { poststart: ['/h/never'] });
    const err = (await fails(start(ctx, 'c1'), 'EHELPER', 'exec /bin/true: no such file or directory')) as RuntimeError;
    expect(err.details).toEqual({ stage: 'exec' });
    expect(init.state).toBe('gone');
    expect(saved(ctx, 'c1')).toBe('stopped');
    expect(fs.existsSync(ctx.store.file('c1', 'exec.fifo'))).toBe(false);
    expect(host.events.filter((e) => e.startsWith('hook'))).toEqual([]);
  });

  it.each(['fail', 'timeout'] as const)('a poststart hook that fails (%s): EHOOK, the container is killed and stopped, later hooks skipped', async (what) => {
    const { host, ctx } = await setup();
    const init = await created(host, ctx, 'c1', { poststart: ['/h/a', '/h/bad', '/h/c'] });
    host.hookResults.set('/h/bad', what);
    host.events.length = 0;
    await fails(start(ctx, 'c1'), 'EHOOK', what === 'fail' ? 'poststart hook /h/bad: exit status 1' : /^poststart hook \/h\/bad: timed out/);
    expect(host.events).toEqual(['fifo c1', 'hook poststart /h/a running', 'hook poststart /h/bad running', `signal ${init.pid} 9`]);
    expect(init.state).toBe('gone');
    expect(saved(ctx, 'c1')).toBe('stopped');
    expect(host.leftovers()).toEqual({ processes: [], jails: ['c1'], dirs: ['c1'] }); // delete tears the rest down
  });

  it('a state write that fails before the fifo: start fails and the program never ran', async () => {
    const { host, ctx } = await setup();
    const init = await created(host, ctx, 'c1', { poststart: ['/h/a'] });
    const enospc = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    vi.spyOn(ctx.store, 'save').mockImplementation(() => {
      throw new RuntimeError('ESYSTEM', `write state of c1: ENOSPC: ${enospc.message}`);
    });
    host.events.length = 0;
    await fails(start(ctx, 'c1'), 'ESYSTEM', 'write state of c1: ENOSPC: no space left on device');
    expect(host.events).toEqual([]);
    expect(host.helpers[0]?.started).toBe(false);
    expect(fs.existsSync(ctx.store.file('c1', 'exec.fifo'))).toBe(true);
    expect(init.state).toBe('alive');
    vi.restoreAllMocks();
    expect(saved(ctx, 'c1')).toBe('created');
    await start(ctx, 'c1'); // nothing was spent: a retry works
    expect(saved(ctx, 'c1')).toBe('running');
  });

  it('when even recording stopped fails, the error is the start error and the write failure goes to the debug log', async () => {
    const { host, ctx, lines } = await setup();
    host.script = { startError: 'exec failed' };
    await created(host, ctx, 'c1');
    lines.length = 0;
    const save = ctx.store.save.bind(ctx.store);
    let calls = 0;
    vi.spyOn(ctx.store, 'save').mockImplementation((r, d) => {
      if (++calls > 1) throw new Error('disk gone');
      save(r, d);
    });
    await fails(start(ctx, 'c1'), 'EHELPER', 'exec failed');
    vi.restoreAllMocks();
    expect(lines).toEqual([{ level: 'debug', msg: 'c1: recording stopped: disk gone' }]);
    // On disk it still says running, but its init is dead: it reads as stopped.
    expect(saved(ctx, 'c1')).toBe('running');
    expect(state(ctx, 'c1').status).toBe('stopped');
  });

  it('another holder of the lock: ELOCKED after lockTimeoutMs, nothing changed', async () => {
    const { host, ctx } = await setup({ lockTimeoutMs: 100 });
    await created(host, ctx, 'c1');
    const held = tryLockFile(ctx.store.file('c1', 'lock'));
    expect(held).toBeDefined();
    const t0 = Date.now();
    try {
      await fails(start(ctx, 'c1'), 'ELOCKED', 'container c1 is locked by another operation');
    } finally {
      held?.release();
    }
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
    expect(saved(ctx, 'c1')).toBe('created');
    expect(host.helpers[0]?.started).toBe(false);
  });

  it('a delete that removes the directory while start waits for the lock: "container does not exist"', async () => {
    const { host, ctx } = await setup({ lockTimeoutMs: 10_000 });
    await created(host, ctx, 'c1');
    const dir = ctx.store.dir('c1');
    const trash = path.join(ctx.store.root, '.trash~c1~1~0123abcd');
    // Another process holds the lock, renames the directory away (as delete does), then exits.
    const deleter = spawn('sh', ['-c', 'exec 9<>"$1"; flock -x 9; echo locked; sleep 0.3; mv "$2" "$3"', 'sh', path.join(dir, 'lock'), dir, trash]);
    await new Promise<void>((resolve, reject) => {
      deleter.stdout.once('data', () => resolve());
      deleter.once('exit', (code) => reject(new Error(`deleter exited ${code}`)));
    });
    await fails(start(ctx, 'c1'), 'ENOTEXIST', 'container does not exist');
    await new Promise((r) => deleter.once('close', r));
    expect(host.helpers[0]?.started).toBe(false);
    expect(fs.readdirSync(ctx.store.root)).toEqual([path.basename(trash)]);
  });

  it('a record without hooks (as an older runj wrote it) starts; a corrupt one is an error naming the file', async () => {
    const { host, ctx } = await setup();
    const init = host.spawn('c1');
    plant(ctx, 'c1', JSON.stringify(baseRecord('c1', { status: 'created', pid: init.pid, startTime: init.startTime })));
    fs.writeFileSync(ctx.store.file('c1', 'exec.fifo'), '');
    ctx.releaseFifo = (file) => {
      host.events.push(`fifo ${path.basename(path.dirname(file))}`);
      return { error: undefined };
    };
    await start(ctx, 'c1');
    expect(host.events).toEqual(['fifo c1']);
    expect(state(ctx, 'c1').status).toBe('running');
    plant(ctx, 'c2', 'garbage');
    await fails(start(ctx, 'c2'), 'ESYSTEM', `state of c2 is corrupt (not JSON): ${ctx.store.file('c2', 'state.json')}`);
    expect(fs.readFileSync(ctx.store.file('c2', 'state.json'), 'utf8')).toBe('garbage');
  });

  it('a missing container and an invalid id', async () => {
    const { ctx } = await setup();
    await fails(start(ctx, 'nope'), 'ENOTEXIST', 'container does not exist');
    await fails(start(ctx, 'a/b'), 'EINVALID', /invalid container id/);
  });
});
