/**
 * Pids through the Task handlers (fake runtime). The helper's parent half in
 * `mode run` joins the container's cgroup (Linux) or jail (FreeBSD) before
 * it forks, so the backend's listing has it: the shim's own child, which
 * waits for the process, is not a container process and is left out. Exec'd
 * processes carry their exec id (containerd.runc.v1.ProcessDetails).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessDetails } from '../../../src/shim/proto/details.js';
import { PidsResponse } from '../../../src/shim/proto/task.js';
import { unpackAny } from '../../../src/shim/proto/wkt.js';
import { call, ids, shimFixture } from './shimFakes.js';

const fixtures: (() => void)[] = [];
afterEach(() => {
  for (const c of fixtures.splice(0)) c();
});

describe('shim Pids', () => {
  it('lists the init and the execs (with their exec ids), not the helpers relaying them', async () => {
    const f = await shimFixture();
    fixtures.push(f.cleanup);
    const { host, h, create, exec, ctx } = f;
    const init = (await create()).pid as number;
    await h.Start!(ids('c1'), call);
    await exec('e1');
    const e1 = (await h.Start!(ids('c1', 'e1'), call)).pid as number;
    const relays = host.helpers.map((x) => x.pid);
    expect(relays.every((p) => typeof p === 'number')).toBe(true);
    // The backend does list them (as the cgroup and the jail do).
    const record = ctx.store.load('c1');
    expect(host.sandbox.listPids(record).sort()).toEqual([init, e1, ...(relays as number[])].sort());
    // As containerd reads it: through the wire codec.
    const { processes } = PidsResponse.decode(PidsResponse.encode(await h.Pids!({ id: 'c1' }, call)));
    expect(processes.map((p) => p.pid).sort()).toEqual([init, e1].sort());
    expect(processes.find((p) => p.pid === init)?.info).toBeUndefined();
    const info = processes.find((p) => p.pid === e1)?.info;
    expect(info?.typeUrl).toBe('containerd.runc.v1.ProcessDetails');
    expect(info && unpackAny(ProcessDetails, info)).toEqual({ execId: 'e1' });
  });
});
