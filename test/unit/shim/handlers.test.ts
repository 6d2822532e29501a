/**
 * The Task handlers over the runtime with the fake backend (test/unit/fakes):
 * the lifecycle and its events in containerd's order, real exit statuses,
 * refused requests, and a failed Create that leaves nothing behind.
 */
import * as fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type TaskDeps, taskHandlers } from '../../../src/shim/handlers.js';
import { TaskStatus } from '../../../src/shim/proto/task.js';
import type { OpenStdio } from '../../../src/shim/stdio.js';
import type { CallContext } from '../../../src/shim/ttrpc/service.js';
import { Code, type StatusError } from '../../../src/shim/ttrpc/status.js';
import { makeBundle } from '../fakes/bundle.js';
import { FakeHost } from '../fakes/host.js';

const call = {} as CallContext;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function setUp() {
  const host = new FakeHost();
  const ctx = await host.context();
  const log: string[] = [];
  const stdin: string[] = [];
  const fakeStdio = (): OpenStdio => ({
    fds: [0, 1, 2],
    attach() {},
    release: () => log.push('stdio released'),
    started: () => stdin.push('started'),
    closeStdin: () => stdin.push('closed'),
    close: async (now) => void stdin.push(now ? 'closed now' : 'closed at delete'),
  });
  let shutdowns = 0;
  const deps: TaskDeps = {
    ctx,
    publish: (type, event) => log.push(`${type.name} ${JSON.stringify({ ...event, exitedAt: undefined })}`),
    spawnHelper: (n) => host.spawnHelper(n),
    shutdown: () => void shutdowns++,
    mount: async (bundle, mounts) => void log.push(`mount ${mounts.map((m) => m.type).join()} on ${bundle === bundleDir}`),
    unmount: async () => void log.push('unmount'),
    open: fakeStdio,
  };
  const bundleDir = makeBundle();
  dirs.push(bundleDir, host.root);
  const h = taskHandlers(deps);
  const create = (id = 'c1') =>
    (h.Create as NonNullable<typeof h.Create>)(
      { id, bundle: bundleDir, rootfs: [{ type: 'overlay', source: 'overlay', target: '', options: [] }], terminal: false, stdin: '', stdout: '/f/out', stderr: '/f/err', checkpoint: '', parentCheckpoint: '', options: undefined },
      call,
    );
  return { host, ctx, h, log, stdin, create, bundleDir, shutdowns: () => shutdowns };
}

const ids = (id: string) => ({ id, execId: '' });
/** The error a handler fails with, thrown at once or as a rejection. */
const err = (f: () => unknown) => Promise.resolve().then(f).then(() => undefined, (e: unknown) => e as StatusError);

describe('shim Task handlers', () => {
  it('create → start → exit → delete: real exit status and the events in order', async () => {
    const { host, h, log, create, shutdowns } = await setUp();
    const { pid } = await create();
    expect(pid).toBeGreaterThan(0);
    expect((await h.State!(ids('c1'), call)).status).toBe(TaskStatus.CREATED);
    expect(await h.Start!(ids('c1'), call)).toEqual({ pid });
    expect((await h.State!(ids('c1'), call)).status).toBe(TaskStatus.RUNNING);
    const waited = h.Wait!(ids('c1'), call);
    host.exit(host.procs.get(pid as number)!, { code: 3, signal: null });
    expect((await waited).exitStatus).toBe(3);
    const state = await h.State!(ids('c1'), call);
    expect([state.status, state.exitStatus, state.stdout, state.exitedAt?.seconds]).toEqual([TaskStatus.STOPPED, 3, '/f/out', host.clock.t / 1000]);
    expect((await h.Delete!(ids('c1'), call)).exitStatus).toBe(3);
    expect(log.filter((l) => l.startsWith('containerd.events.')).map((l) => l.split(' ')[0])).toEqual([
      'containerd.events.TaskCreate',
      'containerd.events.TaskStart',
      'containerd.events.TaskExit',
      'containerd.events.TaskDelete',
    ]);
    expect(log).toContain('mount overlay on true');
    expect(log).toContain('unmount');
    expect(host.leftovers()).toEqual({ processes: [], jails: [], dirs: [] });
    h.Shutdown!({ id: 'c1', now: false }, call);
    await new Promise((r) => setImmediate(r));
    expect(shutdowns()).toBe(1);
  });

  it('an init that exits while Start runs: TaskStart is still published before TaskExit', async () => {
    const { host, h, log, create, ctx } = await setUp();
    const { pid } = await create();
    const release = ctx.releaseFifo;
    ctx.releaseFifo = (file, alive) => {
      const r = release(file, alive);
      host.exit(host.procs.get(pid as number)!, { code: 0, signal: null });
      return r;
    };
    await h.Start!(ids('c1'), call);
    await h.Wait!(ids('c1'), call);
    expect(log.filter((l) => /TaskStart|TaskExit/.test(l)).map((l) => l.split(' ')[0])).toEqual([
      'containerd.events.TaskStart',
      'containerd.events.TaskExit',
    ]);
    await h.Delete!(ids('c1'), call);
  });

  it('a killed init reports 128+signal; Kill after the exit is NotFound', async () => {
    const { h, create } = await setUp();
    await create();
    await h.Start!(ids('c1'), call);
    await h.Kill!({ id: 'c1', execId: '', signal: 9, all: false }, call);
    expect((await h.Wait!(ids('c1'), call)).exitStatus).toBe(137);
    const e = await err(() => h.Kill!({ id: 'c1', execId: '', signal: 9, all: false }, call));
    expect([e?.code, e?.message]).toEqual([Code.NotFound, 'process already finished']);
    await h.Delete!(ids('c1'), call);
  });

  it('refuses what it does not serve: unknown ids, unknown exec ids, a second create', async () => {
    const { h, create } = await setUp();
    expect((await err(() => h.State!(ids('nope'), call)))?.code).toBe(Code.NotFound);
    await create();
    const e = await err(() => h.Start!({ id: 'c1', execId: 'e1' }, call));
    expect([e?.code, e?.message]).toEqual([Code.NotFound, 'exec e1 of container c1: not found']);
    expect((await err(() => create()))?.code).toBe(Code.AlreadyExists);
    await h.Delete!(ids('c1'), call);
  });

  it('a failed create is reported as runc reports it and leaves nothing behind', async () => {
    const { host, h, log, stdin, create } = await setUp();
    host.script = { errorAt: 'hooks' };
    const e = await err(() => create());
    expect(e?.message).toBe('OCI runtime create failed: helper failed at hooks');
    expect(stdin).toEqual(['closed now']); // a logger is killed, not given a grace
    expect(log).toContain('unmount');
    expect(log).toContain('stdio released');
    expect(host.leftovers()).toEqual({ processes: [], jails: [], dirs: [] });
    expect(h.tasks.size).toBe(0);
  });

  it('CloseIO ends the container stdin; Pids and Connect answer for the task', async () => {
    const { h, stdin, create } = await setUp();
    const { pid } = await create();
    await h.Start!(ids('c1'), call);
    h.CloseIO!({ id: 'c1', execId: '', stdin: true }, call);
    expect(stdin).toEqual(['started', 'closed']);
    expect((await h.Pids!({ id: 'c1' }, call)).processes).toEqual([{ pid }]);
    expect(await h.Connect!({ id: 'c1' }, call)).toEqual({ shimPid: process.pid, taskPid: pid, version: '' });
    await h.Kill!({ id: 'c1', execId: '', signal: 15, all: true }, call);
    expect((await h.Wait!(ids('c1'), call)).exitStatus).toBe(143);
    await h.Delete!(ids('c1'), call);
    expect(stdin.at(-1)).toBe('closed at delete');
  });
});
