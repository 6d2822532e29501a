/**
 * create: each rollback step, with what is left (processes, jails, state
 * directories) asserted after each failure.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../../../src/core/errors.js';
import { create } from '../../../src/runtime/create.js';
import { deleteContainer } from '../../../src/runtime/delete.js';
import { state } from '../../../src/runtime/state.js';
import { hook, makeBundle } from '../fakes/bundle.js';
import { FakeHost } from '../fakes/host.js';
import { capturingLogger } from '../fakes/log.js';
import { failure } from '../fakes/assert.js';
import { NOTHING, onDisk, probed } from './createFixtures.js';

describe('create: rollback', () => {
  it('prepare throws: the error as is, nothing staged', async () => {
    const host = new FakeHost();
    const { ctx, store } = await probed(host);
    host.sandbox.failOn.set('prepare', new RuntimeError('EUNSUPPORTED', 'linux.seccomp: not supported'));
    const err = await failure(create(ctx, { id: 'c1', bundle: makeBundle() }));
    expect(err.code).toBe('EUNSUPPORTED');
    expect(err.message).toBe('linux.seccomp: not supported');
    expect(store.staged).toEqual([]);
    expect(host.leftovers()).toEqual(NOTHING);
  });

  for (const file of ['recovery.json', 'state.json']) {
    it(`${file} cannot be written in the staged dir: ESYSTEM, staged dir discarded, lock released, nothing set up`, async () => {
      const host = new FakeHost();
      const { ctx, store } = await probed(host);
      // A directory where the file goes: the rename of the written temp file onto it fails (EISDIR).
      store.afterStage = (dir) => fs.mkdirSync(path.join(dir, file, 'x'), { recursive: true });
      const err = await failure(create(ctx, { id: 'c1', bundle: makeBundle() }));
      expect(err.code).toBe('ESYSTEM');
      const staged = store.staged[0] as string;
      expect(err.message).toMatch(file === 'recovery.json' ? new RegExp(`^write recovery data in ${staged}: EISDIR`) : /^write state of c1: EISDIR/);
      expect(store.released).toBe(1);
      expect(fs.existsSync(staged)).toBe(false);
      // The helper, started before the bundle was read, is killed before it is sent a plan.
      expect(host.events).toEqual(['sandbox.prepare c1', 'helper killed']);
      expect(host.leftovers()).toEqual(NOTHING);
    });
  }

  it('setUp throws: its error, the backend asked to recover what it may have made, nothing left', async () => {
    const host = new FakeHost();
    const { ctx, store } = await probed(host);
    host.sandbox.failOn.set('setUp', new RuntimeError('ESYSTEM', 'jail_set: EPERM'));
    const err = await failure(create(ctx, { id: 'c1', bundle: makeBundle() }));
    expect(err.code).toBe('ESYSTEM');
    expect(err.message).toBe('jail_set: EPERM');
    // No set-up result names what setUp made: recovered from the id and recovery.json's data.
    expect(host.events).toEqual(['sandbox.prepare c1', 'sandbox.setUp c1', 'helper killed', 'sandbox.killAll c1 9', 'sandbox.recover c1 with data']);
    expect(host.helpers.map((h) => h.detached)).toEqual([true]); // killed unsent, reaped
    expect(store.released).toBe(1);
    expect(host.leftovers()).toEqual(NOTHING);
  });

  it('setUp throws after making its jail: recovery removes the jail', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    host.sandbox.setUpLeavesJail = true;
    host.sandbox.failOn.set('setUp', new RuntimeError('ESYSTEM', 'mount /tmp: EBUSY'));
    const err = await failure(create(ctx, { id: 'c1', bundle: makeBundle() }));
    expect(err.message).toBe('mount /tmp: EBUSY');
    expect(host.events.at(-1)).toBe('sandbox.recover c1 with data');
    expect(host.leftovers()).toEqual(NOTHING);
  });

  it('the record cannot be saved after setUp: the jail is torn down, nothing left', async () => {
    const host = new FakeHost();
    const { ctx, store } = await probed(host);
    // The staged record is "creating" too: fail only the save after setUp (the first one that sees jid).
    let saves = 0;
    const save = store.save.bind(store);
    store.save = (r, dir) => {
      if (++saves === 2) throw new RuntimeError('ESYSTEM', 'write state of c1: ENOSPC: no space left on device');
      save(r, dir);
    };
    const err = await failure(create(ctx, { id: 'c1', bundle: makeBundle() }));
    expect(err.code).toBe('ESYSTEM');
    expect(err.message).toBe('write state of c1: ENOSPC: no space left on device');
    expect(host.helpers.map((h) => h.detached)).toEqual([true]);
    // The record is saved while the helper works on its plan: the helper had started its init.
    expect(host.events).toEqual(['sandbox.prepare c1', 'sandbox.setUp c1', 'helper create 1000', 'helper killed', 'sandbox.killAll c1 9', 'sandbox.tearDown c1']);
    expect(host.leftovers()).toEqual(NOTHING);
  });

  it('the plan cannot be sent to the helper: the set-up is torn down by what it made, nothing left', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    const spawn = ctx.spawnHelper;
    ctx.spawnHelper = async (n) => {
      const h = await spawn(n);
      h.send = () => {
        throw new RuntimeError('ESYSTEM', 'send the plan to runj-helper: EIO');
      };
      return h;
    };
    const err = await failure(create(ctx, { id: 'c1', bundle: makeBundle() }));
    expect(err.message).toBe('send the plan to runj-helper: EIO');
    expect(host.events).toEqual(['sandbox.prepare c1', 'sandbox.setUp c1', 'helper killed', 'sandbox.killAll c1 9', 'sandbox.tearDown c1']);
    expect(host.leftovers()).toEqual(NOTHING);
  });

  it('the helper cannot be spawned: its error, before anything is prepared or made', async () => {
    const host = new FakeHost();
    const ctx = await host.context({
      spawnHelper: async () => {
        throw new RuntimeError('ESYSTEM', 'spawn runj-helper: EACCES');
      },
    });
    const err = await failure(create(ctx, { id: 'c1', bundle: makeBundle() }));
    expect(err.code).toBe('ESYSTEM');
    expect(err.message).toBe('spawn runj-helper: EACCES');
    expect(host.events).toEqual([]);
    expect(ctx.store.ids()).toEqual([]);
    expect(host.leftovers()).toEqual(NOTHING);
  });

  for (const step of ['pid', 'hooks', 'ready'] as const) {
    it(`the helper dies before ${step}: EHELPER "container init exited unexpectedly", nothing left`, async () => {
      const host = new FakeHost();
      const { ctx, store } = await probed(host);
      host.script = { dieBefore: step };
      const bundle = makeBundle((c) => {
        c.hooks = { prestart: [hook('/bin/p1')] };
      });
      const err = await failure(create(ctx, { id: 'c1', bundle }));
      expect(err.code).toBe('EHELPER');
      expect(err.message).toBe('container init exited unexpectedly');
      expect(host.events.filter((e) => e.startsWith('hook'))).toEqual(step === 'ready' ? ['hook prestart /bin/p1 creating'] : []);
      expect(host.events.slice(-3)).toEqual(['helper killed', 'sandbox.killAll c1 9', 'sandbox.tearDown c1']);
      expect(host.helpers[0]?.detached).toBe(true); // not waited for any more
      expect(store.released).toBe(1);
      expect(host.leftovers()).toEqual(NOTHING);
    });

    it(`the helper reports an error at ${step}: EHELPER with its message and stage`, async () => {
      const host = new FakeHost();
      const ctx = await host.context();
      host.script = { errorAt: step };
      const err = await failure(create(ctx, { id: 'c1', bundle: makeBundle() }));
      expect(err.code).toBe('EHELPER');
      expect(err.message).toBe(`helper failed at ${step}`);
      expect(err.details).toEqual({ stage: step, errno: 5 });
      expect(host.leftovers()).toEqual(NOTHING);
    });
  }

  it("the init's start time could not be read, then the create fails: the init is still killed", async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    // /proc/<pid>/stat unreadable at the pid message (EMFILE, say): the record has no start time.
    const info = ctx.processInfo;
    let reads = 0;
    ctx.processInfo = (pid) => (reads++ === 0 ? undefined : info(pid));
    host.hookResults.set('/bin/pre', 'fail'); // the create fails with its init alive, parked
    const bundle = makeBundle((c) => {
      c.hooks = { prestart: [hook('/bin/pre')] };
    });
    const err = await failure(create(ctx, { id: 'c1', bundle }));
    expect(err.message).toBe('prestart hook /bin/pre: exit status 1');
    expect(host.helpers[0]?.init?.signals).toContain(9);
    expect(host.leftovers()).toEqual(NOTHING);
  });

  it('the init dies with a reason the backend knows (OOM): that reason is the error', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    host.script = { dieBefore: 'ready' };
    host.sandbox.exitReasonText = 'container init was killed: out of memory (memory limit 64 MiB)';
    const err = await failure(create(ctx, { id: 'c1', bundle: makeBundle() }));
    expect(err.code).toBe('EHELPER');
    expect(err.message).toBe('container init was killed: out of memory (memory limit 64 MiB)');
    expect(host.leftovers()).toEqual(NOTHING);
  });

  it('the final save (status created) fails: the running init and helper are killed, nothing left', async () => {
    const host = new FakeHost();
    const { ctx, store } = await probed(host);
    store.failSaveOf = 'created';
    const err = await failure(create(ctx, { id: 'c1', bundle: makeBundle() }));
    expect(err.code).toBe('ESYSTEM');
    expect(err.message).toBe('write state of c1: ENOSPC: no space left on device');
    const pid = host.helpers[0]?.init?.pid;
    expect(host.events.slice(-4)).toEqual([`signal ${pid} 9`, 'helper killed', 'sandbox.killAll c1 9', 'sandbox.tearDown c1']);
    expect(host.leftovers()).toEqual(NOTHING);
  });

  it('the pid file cannot be written: ESYSTEM naming it, nothing left', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    const pidFile = path.join(makeBundle(), 'no-such-dir', 'pid');
    const err = await failure(create(ctx, { id: 'c1', bundle: makeBundle(), pidFile }));
    expect(err.code).toBe('ESYSTEM');
    expect(err.message).toMatch(new RegExp(`^write ${pidFile}: ENOENT`));
    expect(fs.existsSync(path.dirname(pidFile))).toBe(false);
    expect(host.leftovers()).toEqual(NOTHING);
  });

  it('cleanup itself fails: the dir stays as a "creating" record, a warning names delete --force, which then clears it', async () => {
    const host = new FakeHost();
    const log = capturingLogger();
    const { ctx, store } = await probed(host, { log });
    host.script = { errorAt: 'ready' };
    host.sandbox.failOn.set('tearDown', new RuntimeError('ESYSTEM', 'jail_remove: EBUSY'));
    const err = await failure(create(ctx, { id: 'c1', bundle: makeBundle() }));
    // The caller sees the original failure, not the cleanup's.
    expect(err.code).toBe('EHELPER');
    expect(err.message).toBe('helper failed at ready');
    expect(log.lines).toContain("warn c1: cleanup after failed create: jail_remove: EBUSY; 'delete --force c1' retries it");
    expect(store.released).toBe(1);
    expect(host.leftovers()).toEqual({ processes: [], jails: ['c1'], dirs: ['c1'] });
    expect(onDisk(ctx, 'c1').status).toBe('creating');
    // Nobody holds its lock: the abandoned create reads as stopped.
    expect(state(ctx, 'c1').status).toBe('stopped');

    host.sandbox.failOn.delete('tearDown');
    await deleteContainer(ctx, 'c1', true);
    expect(host.leftovers()).toEqual(NOTHING);
  });

  it('a failed create frees the id: the same id can be created again', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    host.script = { errorAt: 'pid' };
    await failure(create(ctx, { id: 'c1', bundle: makeBundle() }));
    await create(ctx, { id: 'c1', bundle: makeBundle() });
    expect(state(ctx, 'c1').status).toBe('created');
    expect(host.leftovers().dirs).toEqual(['c1']);
  });
});
