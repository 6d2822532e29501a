/**
 * run (create + start + wait + delete) and its foreground (forward.ts)
 * against the fake backend: the exit status it returns, what a detached run
 * leaves, what a failed start leaves (its foreground: forward.test.ts).
 */
import { describe, expect, it, vi } from 'vitest';
import { RuntimeError } from '../../../src/core/errors.js';
import { run } from '../../../src/runtime/run.js';
import { state } from '../../../src/runtime/state.js';
import { hook, makeBundle } from '../fakes/bundle.js';
import { type FakeHelper, FakeHost } from '../fakes/host.js';
import { failure } from '../fakes/assert.js';
import { capturingLogger } from '../fakes/log.js';

const NOTHING = { processes: [], jails: [], dirs: [] };

/** Turns the event loop until `cond` holds (the fake has no real waits), or fails. */
async function until(cond: () => boolean, what: string): Promise<void> {
  // Real time: create reads the bundle and writes state durably (real I/O).
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`never happened: ${what}`);
}

/** Starts a foreground run and waits until its init runs; returns the run's promise and the helper. */
async function running(host: FakeHost, id: string, bundle = makeBundle()) {
  const ctx = await host.context();
  const status = run(ctx, { id, bundle });
  await until(() => host.helpers[0]?.started === true && host.events.includes('sandbox.setUp ' + id), 'the init started');
  // Past start: the lock is free and poststart hooks have run once the record says running.
  await until(() => state(ctx, id).status === 'running', 'status running');
  const h = host.helpers[0] as FakeHelper;
  const init = h.init;
  if (!init) throw new Error('no init');
  return { ctx, status, h, init };
}

describe('run in the foreground', () => {
  it("returns the init's exit code, then deletes the container (poststop after the exit)", async () => {
    const host = new FakeHost();
    const bundle = makeBundle((c) => {
      c.hooks = { poststart: [hook('/bin/post-start')], poststop: [hook('/bin/post-stop')] };
    });
    const { status, h, init } = await running(host, 'r1', bundle);
    expect(h.sent).toContainEqual(['mode', 'run']);
    expect(h.detached).toBe(false); // runj waits for it
    expect(host.events).toContain('hook poststart /bin/post-start running');
    expect(host.events).not.toContain('hook poststop /bin/post-stop stopped');
    host.exit(init, { code: 3, signal: null });
    expect(await status).toBe(3);
    expect(h.detached).toBe(true);
    expect(host.events.slice(-3)).toEqual(['sandbox.listPids r1', 'sandbox.tearDown r1', 'hook poststop /bin/post-stop stopped']);
    expect(host.leftovers()).toEqual(NOTHING);
  });

  it('starts under the lock create took: the record is not read back between them, only by the delete', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    const load = vi.spyOn(ctx.store, 'read'); // load() reads through it
    const status = run(ctx, { id: 'r9', bundle: makeBundle() });
    await until(() => host.events.includes('fifo r9'), 'the fifo released');
    expect(load).not.toHaveBeenCalled();
    const init = (host.helpers[0] as FakeHelper).init;
    if (!init) throw new Error('no init');
    host.exit(init, { code: 0, signal: null });
    expect(await status).toBe(0);
    expect(load).toHaveBeenCalledTimes(1);
    expect(host.leftovers()).toEqual(NOTHING);
  });

  it('writes the record created, then running, with no status lookup in between (the fifo finds a dead init)', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    const saved: string[] = [];
    const save = ctx.store.save.bind(ctx.store);
    vi.spyOn(ctx.store, 'save').mockImplementation((r, dir) => {
      saved.push(r.status);
      return save(r, dir);
    });
    // create reads its init's start time once (the pid message); start's status check would read it again.
    let lookups = 0;
    const info = ctx.processInfo;
    ctx.processInfo = (pid) => {
      if (!host.events.some((e) => e.startsWith('fifo '))) lookups++;
      return info(pid);
    };
    const status = run(ctx, { id: 'r8', bundle: makeBundle() });
    await until(() => host.events.includes('fifo r8'), 'the fifo released');
    // Staged, plan sent, pid, created: a start whose own write fails leaves a created record, whose
    // delete runs the poststop hooks (a network a prestart hook made is taken down).
    expect(saved).toEqual(['creating', 'creating', 'creating', 'created', 'running']);
    expect(lookups).toBe(1);
    const init = (host.helpers[0] as FakeHelper).init;
    if (!init) throw new Error('no init');
    host.exit(init, { code: 0, signal: null });
    expect(await status).toBe(0);
    expect(host.leftovers()).toEqual(NOTHING);
  });

  it("start's state write fails (a full disk): the container is deleted, its poststop hooks run, the error is rethrown", async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    const save = ctx.store.save.bind(ctx.store);
    vi.spyOn(ctx.store, 'save').mockImplementation((r, dir) => {
      if (r.status === 'running') throw new RuntimeError('ESYSTEM', 'write state.json: ENOSPC');
      return save(r, dir);
    });
    const bundle = makeBundle((c) => {
      c.hooks = { prestart: [hook('/bin/net-up')], poststop: [hook('/bin/net-down')] };
    });
    const err = await failure(run(ctx, { id: 'r7', bundle }));
    expect(err.message).toBe('write state.json: ENOSPC');
    expect(host.events.some((e) => e.startsWith('fifo'))).toBe(false); // the program never ran
    expect(host.events).toContain('hook poststop /bin/net-down stopped'); // what prestart made is taken down
    expect(host.leftovers()).toEqual(NOTHING);
  });

  it("its init gone before start and the pid another process's already: that process is not signalled", async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    host.script = { exitBeforeStart: true };
    // The init exits, and its pid is at once another process's (a later start time).
    const stranger = { pid: 0, startTime: 'later', state: 'alive' as const, container: undefined, signals: [] as number[], onExit: [] };
    const exit = host.exit.bind(host);
    host.exit = (p, e, as) => {
      exit(p, e, as);
      if (p === host.helpers[0]?.init) host.procs.set(p.pid, { ...stranger, pid: p.pid });
    };
    const err = await failure(run(ctx, { id: 'r10', bundle: makeBundle() }));
    expect(err.message).toBe('container init exited before start');
    const pid = host.helpers[0]?.init?.pid as number;
    expect(host.procs.get(pid)?.startTime).toBe('later');
    expect(host.procs.get(pid)?.signals).toEqual([]);
  });

  it('exit code 0', async () => {
    const host = new FakeHost();
    const { status, init } = await running(host, 'r0');
    host.exit(init, { code: 0, signal: null });
    expect(await status).toBe(0);
    expect(host.leftovers()).toEqual(NOTHING);
  });

  for (const [sig, num, status] of [
    ['SIGKILL', 9, 137],
    ['SIGTERM', 15, 143],
  ] as const) {
    it(`an init killed by ${sig}: 128+${num}`, async () => {
      const host = new FakeHost();
      const { ctx, status: done, init } = await running(host, 'r2');
      ctx.signal(init.pid, sig);
      expect(await done).toBe(status);
      expect(host.leftovers()).toEqual(NOTHING);
    });
  }

  it('signals runj gets are passed to the init until it exits, then no more', async () => {
    const host = new FakeHost();
    const before = process.listenerCount('SIGUSR1');
    const beforeWinch = process.listenerCount('SIGWINCH');
    const { status, init } = await running(host, 'r3');
    expect(process.listenerCount('SIGUSR1')).toBe(before + 1);
    process.emit('SIGUSR1', 'SIGUSR1');
    process.emit('SIGWINCH', 'SIGWINCH');
    expect(init.signals).toEqual([10, 28]);
    expect(init.state).toBe('alive'); // neither ends it
    host.exit(init, { code: 0, signal: null });
    expect(await status).toBe(0);
    expect(process.listenerCount('SIGUSR1')).toBe(before);
    expect(process.listenerCount('SIGWINCH')).toBe(beforeWinch);
  });

  it('a failed create is rethrown; nothing was started', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    host.script = { errorAt: 'hooks' };
    const err = await failure(run(ctx, { id: 'r4', bundle: makeBundle() }));
    expect(err.code).toBe('EHELPER');
    expect(err.message).toBe('helper failed at hooks');
    expect(host.events.some((e) => e.startsWith('fifo'))).toBe(false);
    expect(host.leftovers()).toEqual(NOTHING);
  });

  for (const [name, setup, code, message] of [
    ['the init fails to exec', (h: FakeHost) => void (h.script = { startError: 'exec /bin/nope: no such file or directory' }), 'EHELPER', 'exec /bin/nope: no such file or directory'],
    // run does not look its own init up again before the fifo: the fifo finds it gone.
    ['the init is gone before start', (h: FakeHost) => void (h.script = { exitBeforeStart: true }), 'EHELPER', 'container init exited before start'],
    ['a poststart hook fails', (h: FakeHost) => void h.hookResults.set('/bin/post-start', 'fail'), 'EHOOK', 'poststart hook /bin/post-start: exit status 1'],
  ] as const) {
    it(`start fails inside run (${name}): the container is force-deleted, the error rethrown`, async () => {
      const host = new FakeHost();
      const ctx = await host.context();
      setup(host);
      const bundle = makeBundle((c) => {
        c.hooks = { poststart: [hook('/bin/post-start')] };
      });
      const err = await failure(run(ctx, { id: 'r5', bundle }));
      expect(err.code).toBe(code);
      expect(err.message).toBe(message);
      expect(host.events.includes('fifo r5')).toBe(true);
      expect(host.events.at(-1)).toBe('sandbox.tearDown r5');
      expect(host.leftovers()).toEqual(NOTHING);
    });
  }

  it('start fails and the forced delete fails too: the start error is the one reported; the state stays for delete --force', async () => {
    const host = new FakeHost();
    const log = capturingLogger();
    const ctx = await host.context({ log });
    host.script = { startError: 'exec failed' };
    host.sandbox.failOn.set('tearDown', new RuntimeError('ESYSTEM', 'jail_remove: EBUSY'));
    host.sandbox.failOn.set('recover', new RuntimeError('ESYSTEM', 'recover: EBUSY'));
    const err = await failure(run(ctx, { id: 'r6', bundle: makeBundle() }));
    expect(err.code).toBe('EHELPER');
    expect(err.message).toBe('exec failed');
    expect(host.leftovers()).toEqual({ processes: [], jails: ['r6'], dirs: ['r6'] });
    expect(state(ctx, 'r6').status).toBe('stopped');
    // The user learns that something is left, and how to remove it.
    expect(log.lines).toContainEqual(expect.stringMatching(/^warn r6: removing the container after the failed start: .*EBUSY.*'delete --force r6' retries it$/));
  });
});

describe('run --detach', () => {
  it('returns 0 at once and leaves a running container whose helper is detached', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    expect(await run(ctx, { id: 'd1', bundle: makeBundle(), detach: true })).toBe(0);
    const h = host.helpers[0];
    expect(h?.sent).toContainEqual(['mode', 'create']);
    expect(h?.detached).toBe(true);
    expect(h?.started).toBe(true);
    expect(state(ctx, 'd1')).toMatchObject({ status: 'running', pid: h?.init?.pid });
    expect(host.leftovers()).toEqual({ processes: [h?.init?.pid], jails: ['d1'], dirs: ['d1'] });
  });

  it('a terminal without a console socket is refused (runj would not stay to relay it)', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    const bundle = makeBundle((c) => {
      c.process = { ...(c.process as object), terminal: true };
    });
    const err = await failure(run(ctx, { id: 'd2', bundle, detach: true }));
    expect(err.code).toBe('EINVALID');
    expect(err.message).toBe('cannot allocate tty if runj will detach without setting console socket');
    expect(host.leftovers()).toEqual(NOTHING);
  });
});
