/**
 * Exec'd processes through the Task handlers (fake runtime): the events in
 * containerd's order (exec-added → exec-started → exit), real exit statuses,
 * each request with an exec id, the refusals, and the init's end taking
 * its running execs with it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TaskStatus } from '../../../src/shim/proto/task.js';
import { Code } from '../../../src/shim/ttrpc/status.js';
import { call, err, ids, processSpec, shimFixture } from './shimFakes.js';

const fixtures: (() => void)[] = [];
afterEach(() => {
  for (const c of fixtures.splice(0)) c();
});
async function setUp() {
  const f = await shimFixture();
  fixtures.push(f.cleanup);
  await f.create();
  await f.h.Start!(ids('c1'), call);
  return f;
}

describe('shim exec', () => {
  it('Exec → Start → exit → Delete: exec-added, exec-started, then TaskExit with the exec id and its real status', async () => {
    const { host, h, log, exec, events, stdio } = await setUp();
    expect(await exec('e1')).toEqual({});
    expect((await h.State!(ids('c1', 'e1'), call)).status).toBe(TaskStatus.CREATED);
    const waited = h.Wait!(ids('c1', 'e1'), call); // containerd waits before it starts
    const { pid } = await h.Start!(ids('c1', 'e1'), call);
    const helper = host.helpers.at(-1)!;
    expect(helper.sent).toContainEqual(['exec']);
    expect(helper.sent).toContainEqual(['mode', 'run']);
    expect(helper.sent).toContainEqual(['arg', 'exit 3']);
    expect(helper.sent.some((r) => r[0] === 'terminal')).toBe(false);
    expect(stdio.at(-1)).toEqual({ io: { stdin: '', stdout: '/f/e1.out', stderr: '' }, stdin: ['started'] });
    const st = await h.State!(ids('c1', 'e1'), call);
    expect([st.id, st.execId, st.pid, st.status, st.stdout]).toEqual(['e1', 'e1', pid, TaskStatus.RUNNING, '/f/e1.out']);
    host.exit(host.procs.get(pid as number)!, { code: 3, signal: null });
    expect((await waited).exitStatus).toBe(3);
    const done = await h.State!(ids('c1', 'e1'), call);
    expect([done.status, done.exitStatus, done.exitedAt?.seconds]).toEqual([TaskStatus.STOPPED, 3, host.clock.t / 1000]);
    expect(await h.Delete!(ids('c1', 'e1'), call)).toMatchObject({ pid, exitStatus: 3 });
    expect((await err(() => h.State!(ids('c1', 'e1'), call)))?.code).toBe(Code.NotFound);
    expect(events()).toEqual(['TaskCreate', 'TaskStart', 'TaskExecAdded', 'TaskExecStarted', 'TaskExit']);
    expect(log.slice(2)).toEqual([
      'TaskExecAdded {"containerId":"c1","execId":"e1"}',
      `TaskExecStarted {"containerId":"c1","execId":"e1","pid":${pid}}`,
      `TaskExit {"containerId":"c1","id":"e1","pid":${pid},"exitStatus":3}`,
    ]);
    expect(stdio.at(-1)?.stdin).toEqual(['started', 'closed', 'all closed']); // its stdin ends with it; its IO at Delete
    // The container itself is untouched.
    expect((await h.State!(ids('c1'), call)).status).toBe(TaskStatus.RUNNING);
  });

  it('a killed exec reports 128+signal; Kill after its exit is NotFound; CloseIO reaches its own stdin', async () => {
    const { h, exec, stdio } = await setUp();
    await exec('e1', { stdin: '/f/e1.in' });
    await h.Start!(ids('c1', 'e1'), call);
    h.CloseIO!({ id: 'c1', execId: 'e1', stdin: true }, call);
    expect(stdio.at(-1)?.stdin).toEqual(['started', 'closed']);
    expect(stdio[0]?.stdin).toEqual(['started']); // the init's stdin stays open
    await h.Kill!({ id: 'c1', execId: 'e1', signal: 9, all: false }, call);
    expect((await h.Wait!(ids('c1', 'e1'), call)).exitStatus).toBe(137);
    const e = await err(() => h.Kill!({ id: 'c1', execId: 'e1', signal: 9, all: false }, call));
    expect([e?.code, e?.message]).toEqual([Code.NotFound, 'process already finished']);
  });

  it('refuses: a second exec id, unknown exec ids, a second Start, Kill before Start, Delete while it runs', async () => {
    const { h, exec } = await setUp();
    await exec('e1');
    const dup = await err(() => exec('e1'));
    expect([dup?.code, dup?.message]).toEqual([Code.AlreadyExists, 'exec e1 of container c1: already exists']);
    const missing = [
      () => h.State!(ids('c1', 'nope'), call),
      () => h.Start!(ids('c1', 'nope'), call),
      () => h.Wait!(ids('c1', 'nope'), call),
      () => h.Delete!(ids('c1', 'nope'), call),
      () => h.Kill!({ id: 'c1', execId: 'nope', signal: 9, all: false }, call),
      () => h.CloseIO!({ id: 'c1', execId: 'nope', stdin: true }, call),
      () => h.ResizePty!({ id: 'c1', execId: 'nope', width: 80, height: 24 }, call),
    ];
    for (const f of missing) expect((await err(f))?.message).toBe('exec nope of container c1: not found');
    await exec('e2');
    const noTask = await err(() => h.Exec!({ id: 'c9', execId: 'e1', terminal: false, stdin: '', stdout: '', stderr: '', spec: processSpec() }, call));
    expect(noTask?.code).toBe(Code.NotFound);
    const early = await err(() => h.Kill!({ id: 'c1', execId: 'e1', signal: 9, all: false }, call));
    expect([early?.code, early?.message]).toEqual([Code.FailedPrecondition, 'exec e1: not started']);
    await h.Start!(ids('c1', 'e1'), call);
    expect((await err(() => h.Start!(ids('c1', 'e1'), call)))?.message).toBe('exec e1: already started');
    const busy = await err(() => h.Delete!(ids('c1', 'e1'), call));
    expect([busy?.code, busy?.message]).toEqual([Code.FailedPrecondition, 'exec e1: cannot delete a running process']);
    // An exec never started is simply dropped.
    expect(await h.Delete!(ids('c1', 'e2'), call)).toEqual({ pid: 0, exitStatus: 0, exitedAt: undefined });
  });

  it('refuses a bad spec, naming what is wrong, and registers nothing', async () => {
    const { h, exec, events } = await setUp();
    const cases: [Parameters<typeof exec>[1], RegExp][] = [
      [{ spec: undefined }, /^exec spec: missing/],
      [{ spec: processSpec({}, 'types.containerd.io/opencontainers/runtime-spec/1/LinuxResources') }, /expected types\.containerd\.io\/opencontainers\/runtime-spec\/1\/Process$/],
      [{ spec: { typeUrl: processSpec().typeUrl, value: Buffer.from('{not json') } }, /^exec spec: not valid JSON/],
      [{ spec: processSpec({ args: 'sh' }) }, /exec spec.*args/],
    ];
    for (const [over, message] of cases) {
      const e = await err(() => exec('e1', over));
      expect(e?.code).toBe(Code.InvalidArgument);
      expect(e?.message).toMatch(message);
    }
    const label = await err(() => exec('e1', { spec: processSpec({ apparmorProfile: 'p' }) }));
    expect([label?.code, label?.message]).toEqual([Code.Unimplemented, expect.stringContaining('exec spec: /apparmorProfile')]);
    expect((await err(() => h.State!(ids('c1', 'e1'), call)))?.code).toBe(Code.NotFound);
    expect(events()).not.toContain('TaskExecAdded');
  });

  it('exec on a stopped container fails precondition, at Exec and at Start', async () => {
    const { host, h, exec } = await setUp();
    await exec('late');
    host.exit(host.procs.get((await h.State!(ids('c1'), call)).pid as number)!, { code: 0, signal: null });
    await h.Wait!(ids('c1'), call);
    const e = await err(() => exec('e1'));
    expect([e?.code, e?.message]).toEqual([Code.FailedPrecondition, 'container c1 has stopped: cannot exec in a stopped container']);
    const s = await err(() => h.Start!(ids('c1', 'late'), call));
    expect(s?.code).toBe(Code.FailedPrecondition);
    expect(await h.Delete!(ids('c1', 'late'), call)).toMatchObject({ pid: 0 }); // a failed start can still be deleted
  });

  it('a Start the helper fails: the error, stdin closed, the helper gone, the exec deletable', async () => {
    const { host, h, exec, stdio, events } = await setUp();
    await exec('e1');
    const before = host.alive().map((p) => p.pid);
    host.script = { errorAt: 'ready' };
    const e = await err(() => h.Start!(ids('c1', 'e1'), call));
    expect(e?.message).toBe('helper failed at ready');
    expect(stdio.at(-1)?.stdin).toEqual(['all closed']); // its stdin and any logger: nothing left open
    expect(host.alive().map((p) => p.pid)).toEqual(before);
    expect(events()).not.toContain('TaskExecStarted');
    await h.Delete!(ids('c1', 'e1'), call);
  });

  it('a Start whose IO cannot be opened fails and leaves the exec deletable, nothing spawned', async () => {
    const { host, h, exec } = await setUp();
    await exec('e1', { stdout: 'binary:///usr/bin/logger' });
    const helpers = host.helpers.length;
    const e = await err(() => h.Start!(ids('c1', 'e1'), call));
    expect(e?.code).toBe(Code.Unimplemented);
    expect(host.helpers).toHaveLength(helpers);
    expect(await h.Delete!(ids('c1', 'e1'), call)).toEqual({ pid: 0, exitStatus: 0, exitedAt: undefined });
  });

  it('the init ending while execs run: they are killed and their exits published before its delete', async () => {
    const { host, h, exec, events, log } = await setUp();
    await exec('e1');
    await exec('e2');
    const p1 = (await h.Start!(ids('c1', 'e1'), call)).pid as number;
    await h.Start!(ids('c1', 'e2'), call);
    host.exit(host.procs.get((await h.State!(ids('c1'), call)).pid as number)!, { code: 0, signal: null }); // no pid namespace: the shim kills the execs (killAll.test.ts)
    await h.Wait!(ids('c1'), call);
    await h.Delete!(ids('c1'), call);
    expect(host.procs.get(p1)?.signals).toEqual([9]);
    expect(events().slice(-4)).toEqual(['TaskExit', 'TaskExit', 'TaskExit', 'TaskDelete']);
    expect(log.slice(-3, -1).map((l) => JSON.parse(l.slice(l.indexOf(' '))).id).sort()).toEqual(['e1', 'e2']);
    expect(log.slice(-3, -1).map((l) => JSON.parse(l.slice(l.indexOf(' '))).exitStatus)).toEqual([137, 137]);
    expect(host.leftovers()).toEqual({ processes: [], jails: [], dirs: [] });
  });
});
