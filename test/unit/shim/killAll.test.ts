/**
 * What the shim signals (fake runtime, with the helpers' relaying parent
 * halves in the container, forwarding what they get as native/relay.c
 * does): Kill with `all` reaches each container process once, never through
 * a relay as well; and an init that ends on its own takes the container's
 * other processes (execs, its orphans) with it at once, as containerd's runc
 * shim does, their exits following its TaskExit.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { call, ids, shimFixture } from './shimFakes.js';

const fixtures: (() => void)[] = [];
afterEach(() => {
  for (const c of fixtures.splice(0)) c();
});
async function setUp() {
  const f = await shimFixture();
  fixtures.push(f.cleanup);
  const init = (await f.create()).pid as number;
  await f.h.Start!(ids('c1'), call);
  await f.exec('e1');
  const e1 = (await f.h.Start!(ids('c1', 'e1'), call)).pid as number;
  const relays = f.host.helpers.map((x) => x.pid as number);
  return { ...f, init, e1, relays };
}
/** The published events as [name, id] (TaskExit's id is the process's). */
const named = (log: string[]) => log.map((l) => [l.split(' ')[0], JSON.parse(l.slice(l.indexOf(' '))).id ?? JSON.parse(l.slice(l.indexOf(' '))).execId]);

describe('shim Kill with all', () => {
  it('signals every container process exactly once and no relaying half', async () => {
    const { host, h, init, e1, relays } = await setUp();
    const orphan = host.spawn('c1'); // a child of the init's, also in the container
    expect(relays).toHaveLength(2);
    await h.Kill!({ id: 'c1', execId: '', signal: 10, all: true }, call); // SIGUSR1: caught, nothing ends
    for (const pid of [init, e1, orphan.pid]) expect(host.procs.get(pid)?.signals).toEqual([10]);
    for (const pid of relays) expect(host.procs.get(pid)?.signals).toEqual([]);
    // The init last, so nothing it would leave is re-parented and missed (as runtime killAll orders it).
    expect(host.events.filter((e) => e.startsWith('signal')).at(-1)).toBe(`signal ${init} 10`);
    await h.Kill!({ id: 'c1', execId: '', signal: 15, all: true }, call);
    expect(host.procs.get(init)?.signals).toEqual([10, 15]);
    expect((await h.Wait!(ids('c1'), call)).exitStatus).toBe(143);
    expect((await h.Wait!(ids('c1', 'e1'), call)).exitStatus).toBe(143);
    // Nothing left to signal is no error with all, as runc answers it.
    expect(await h.Kill!({ id: 'c1', execId: '', signal: 15, all: true }, call)).toEqual({});
    await h.Delete!(ids('c1'), call);
    expect(host.leftovers()).toEqual({ processes: [], jails: [], dirs: [] });
  });

  it('refuses a signal number the runtime does not know', async () => {
    const { h } = await setUp();
    await expect(h.Kill!({ id: 'c1', execId: '', signal: 999, all: true }, call)).rejects.toThrow(/signal/);
  });
});

describe('the init ending on its own', () => {
  it('kills the execs and orphans left (not only at Delete); their TaskExits follow the init’s', async () => {
    const { host, h, log, exec, init, e1, relays } = await setUp();
    await exec('e2'); // registered, never started: nothing to kill
    const orphan = host.spawn('c1');
    host.exit(host.procs.get(init)!, { code: 0, signal: null }); // no pid namespace: the kernel leaves the rest
    expect((await h.Wait!(ids('c1'), call)).exitStatus).toBe(0);
    expect((await h.Wait!(ids('c1', 'e1'), call)).exitStatus).toBe(137);
    await new Promise((r) => setImmediate(r));
    expect(host.procs.get(e1)?.signals).toEqual([9]);
    expect(host.procs.get(orphan.pid)?.signals).toEqual([9]);
    expect(host.procs.get(relays[1] as number)?.signals).toEqual([]); // it ends with its process
    expect(host.alive('c1')).toEqual([]);
    expect(named(log)).toEqual([
      ['TaskCreate', undefined],
      ['TaskStart', undefined],
      ['TaskExecAdded', 'e1'],
      ['TaskExecStarted', 'e1'],
      ['TaskExecAdded', 'e2'],
      ['TaskExit', 'c1'],
      ['TaskExit', 'e1'],
    ]);
    await h.Delete!(ids('c1'), call);
    expect(named(log).at(-1)).toEqual(['TaskDelete', 'c1']);
    expect(host.leftovers()).toEqual({ processes: [], jails: [], dirs: [] });
  });

  it('an init killed by Kill does the same; an exec that has ended is not signalled', async () => {
    const { host, h, exec, init, e1 } = await setUp();
    await exec('e3');
    const e3 = (await h.Start!(ids('c1', 'e3'), call)).pid as number;
    host.exit(host.procs.get(e3)!, { code: 2, signal: null });
    await h.Kill!({ id: 'c1', execId: '', signal: 9, all: false }, call);
    expect((await h.Wait!(ids('c1'), call)).exitStatus).toBe(137);
    expect((await h.Wait!(ids('c1', 'e1'), call)).exitStatus).toBe(137);
    expect((await h.Wait!(ids('c1', 'e3'), call)).exitStatus).toBe(2);
    expect(host.procs.get(init)?.signals).toEqual([9]);
    expect(host.procs.get(e1)?.signals).toEqual([9]);
    expect(host.procs.get(e3)?.signals).toEqual([]);
    await h.Delete!(ids('c1'), call);
  });

  it('an exec whose Start was under way when the init ended is killed once it runs', async () => {
    const { host, h, exec, init } = await setUp();
    await exec('late');
    const spawn = host.spawnHelper;
    host.spawnHelper = async (n) => {
      const helper = await spawn(n);
      host.exit(host.procs.get(init)!, { code: 0, signal: null }); // after the runtime's checks, before the process runs
      return helper;
    };
    const late = (await h.Start!(ids('c1', 'late'), call)).pid as number;
    expect((await h.Wait!(ids('c1', 'late'), call)).exitStatus).toBe(137);
    expect(host.procs.get(late)?.signals).toEqual([9]);
    await h.Delete!(ids('c1'), call);
    expect(host.leftovers()).toEqual({ processes: [], jails: [], dirs: [] });
  });
});
