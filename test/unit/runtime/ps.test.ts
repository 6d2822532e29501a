import { describe, expect, it } from 'vitest';
import type { RuntimeContext } from '../../../src/runtime/context.js';
import { create } from '../../../src/runtime/create.js';
import { exec } from '../../../src/runtime/exec.js';
import { pids, psTable } from '../../../src/runtime/ps.js';
import { start } from '../../../src/runtime/start.js';
import { state } from '../../../src/runtime/state.js';
import { makeBundle } from '../fakes/bundle.js';
import { FakeHost } from '../fakes/host.js';

async function running(): Promise<{ host: FakeHost; ctx: RuntimeContext; init: number }> {
  const host = new FakeHost();
  const ctx = await host.context();
  await create(ctx, { id: 'c1', bundle: makeBundle() });
  await start(ctx, 'c1');
  return { host, ctx, init: state(ctx, 'c1').pid };
}

describe('ps: the container pids', () => {
  it('a created container: its init', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    await create(ctx, { id: 'c1', bundle: makeBundle() });
    expect(await pids(ctx, 'c1')).toEqual([state(ctx, 'c1').pid]);
  });
  it('a running container with an exec process: both, from the backend', async () => {
    const { host, ctx, init } = await running();
    await exec(ctx, { id: 'c1', args: ['/bin/sleep', '1'], detach: true });
    const execPid = host.helpers.at(-1)?.init?.pid;
    expect(await pids(ctx, 'c1')).toEqual([init, execPid]);
    expect(host.events.at(-1)).toBe('sandbox.listPids c1');
  });
  it('a stopped container still lists what the backend finds (an exec process that outlived the init)', async () => {
    const { host, ctx, init } = await running();
    await exec(ctx, { id: 'c1', args: ['/bin/sleep', '1'], detach: true });
    const execPid = host.helpers.at(-1)?.init?.pid;
    const p = host.procs.get(init);
    if (p) host.exit(p, { code: 0, signal: null });
    expect(state(ctx, 'c1').status).toBe('stopped');
    expect(await pids(ctx, 'c1')).toEqual([execPid]);
  });
  it('a missing container: "container does not exist", the backend not asked', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    await expect(pids(ctx, 'nope')).rejects.toMatchObject({ code: 'ENOTEXIST', message: 'container does not exist' });
    expect(host.events).toEqual([]);
  });
});

describe('psTable: ps output filtered to the pids', () => {
  it('ps -ef: the header and only the given pids', () => {
    const out = psTable([process.pid], []);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/\bPID\b/);
    expect(lines).toHaveLength(2);
    expect(lines[1]?.trim().split(/\s+/)[1]).toBe(String(process.pid));
    expect(out.endsWith('\n')).toBe(true);
  });
  it('ps options: the PID column is found wherever it is', () => {
    const lines = psTable([process.pid, process.ppid], ['-o', 'comm,pid']).trimEnd().split('\n');
    expect(lines[0]?.trim().split(/\s+/)).toEqual(['COMMAND', 'PID']);
    expect(lines.slice(1).map((l) => Number(l.trim().split(/\s+/).at(-1))).sort()).toEqual([process.pid, process.ppid].sort());
  });
  it('no pids: only the header', () => {
    expect(psTable([], []).trimEnd().split('\n')).toHaveLength(1);
  });
  it('options ps rejects: ESYSTEM with ps saying why', () => {
    expect(() => psTable([process.pid], ['--no-such-option'])).toThrow(expect.objectContaining({ code: 'ESYSTEM', message: expect.stringMatching(/^ps: .+/) }));
  });
  it('options without a PID column: EINVALID', () => {
    expect(() => psTable([process.pid], ['-o', 'comm'])).toThrow(
      expect.objectContaining({ code: 'EINVALID', message: 'ps: the output has no PID column (give ps options that print one)' }),
    );
  });
});
