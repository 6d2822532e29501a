import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Env, isRoot, makeBundle, makeEnv, processAlive, runj, runjAsync, runjCreate, stateOf, uniqueId, waitFor,
} from './harness.js';

describe.skipIf(!isRoot)('lifecycle', () => {
  let env: Env;
  beforeAll(() => {
    env = makeEnv();
  });
  afterAll(() => env.cleanup());

  it('create → start → state → kill → delete', async () => {
    const id = uniqueId();
    const bundle = makeBundle(env, ['sh', '-c', 'echo started; exec sleep 100']);
    const pidFile = path.join(env.dir, `${id}.pid`);
    const c = runjCreate(env, id, bundle, ['--pid-file', pidFile]);
    expect(c.stderr()).toBe('');
    expect(c.status).toBe(0);

    const created = stateOf(env, id);
    expect(created).toMatchObject({ ociVersion: '1.3.0', id, status: 'created', bundle, rootfs: env.rootfs });
    expect(created.pid).toBeGreaterThan(0);
    expect(Number(fs.readFileSync(pidFile, 'utf8'))).toBe(created.pid);
    expect(processAlive(created.pid as number)).toBe(true);
    expect(fs.existsSync(path.join(env.root, id, 'exec.fifo'))).toBe(true);
    expect(fs.readFileSync(c.out, 'utf8')).toBe(''); // the user process has not run yet

    expect(runj(env, ['start', id])).toMatchObject({ status: 0, stderr: '' });
    expect(fs.existsSync(path.join(env.root, id, 'exec.fifo'))).toBe(false);
    await waitFor(() => fs.readFileSync(c.out, 'utf8') === 'started\n');
    const running = stateOf(env, id);
    expect(running).toMatchObject({ status: 'running', pid: created.pid });

    expect(runj(env, ['kill', id, 'KILL']).status).toBe(0);
    await waitFor(() => stateOf(env, id).status === 'stopped');
    expect(stateOf(env, id).pid).toBe(0);
    expect(runj(env, ['delete', id])).toMatchObject({ status: 0, stderr: '' });
    expect(runj(env, ['state', id])).toMatchObject({ status: 1, stderr: 'runj: container does not exist\n' });
    expect(fs.existsSync(path.join(env.root, id))).toBe(false);
  });

  it('kill defaults to TERM and accepts 9, KILL and SIGKILL', async () => {
    for (const sig of [undefined, '9', 'KILL', 'SIGKILL']) {
      const id = uniqueId();
      const bundle = makeBundle(env, ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.05; done']);
      expect(runjCreate(env, id, bundle).status).toBe(0);
      expect(runj(env, ['start', id]).status).toBe(0);
      const args = sig ? ['kill', id, sig] : ['kill', id];
      // the shell is pid 1 of its namespace: TERM reaches it because it traps TERM.
      expect(runj(env, args)).toMatchObject({ status: 0, stderr: '' });
      await waitFor(() => stateOf(env, id).status === 'stopped');
      expect(runj(env, ['delete', id]).status).toBe(0);
    }
  });

  it('kills and deletes a created container (containerd and podman do this)', () => {
    const id = uniqueId();
    expect(runjCreate(env, id, makeBundle(env, ['true'])).status).toBe(0);
    const pid = stateOf(env, id).pid as number;
    expect(runj(env, ['delete', id])).toMatchObject({ status: 0, stderr: '' });
    expect(processAlive(pid)).toBe(false);
  });

  it('kill TERM ends a created container', async () => {
    const id = uniqueId();
    expect(runjCreate(env, id, makeBundle(env, ['true'])).status).toBe(0);
    expect(runj(env, ['kill', id]).status).toBe(0);
    await waitFor(() => stateOf(env, id).status === 'stopped');
    expect(runj(env, ['delete', id]).status).toBe(0);
  });

  it('reports runc errors for operations in the wrong state', async () => {
    const id = uniqueId();
    const bundle = makeBundle(env, ['sleep', '100']);
    expect(runjCreate(env, id, bundle).status).toBe(0);
    expect(runjCreate(env, id, bundle).stderr()).toBe('runj: container with given ID already exists\n');
    expect(runj(env, ['start', id]).status).toBe(0);
    expect(runj(env, ['start', id])).toMatchObject({ status: 1, stderr: 'runj: cannot start an already running container\n' });
    expect(runj(env, ['delete', id])).toMatchObject({
      status: 1,
      stderr: `runj: cannot delete container ${id} that is not stopped: running\n`,
    });
    expect(runj(env, ['kill', id, 'KILL']).status).toBe(0);
    await waitFor(() => stateOf(env, id).status === 'stopped');
    expect(runj(env, ['kill', id])).toMatchObject({ status: 1, stderr: 'runj: container not running\n' });
    expect(runj(env, ['kill', '--all', id])).toMatchObject({ status: 0 });
    expect(runj(env, ['start', id])).toMatchObject({ status: 1, stderr: 'runj: cannot start a container that has stopped\n' });
    expect(runj(env, ['delete', id]).status).toBe(0);
  });

  it('delete --force removes a running container and is quiet for a missing one', () => {
    const id = uniqueId();
    expect(runjCreate(env, id, makeBundle(env, ['sleep', '100'])).status).toBe(0);
    expect(runj(env, ['start', id]).status).toBe(0);
    const pid = stateOf(env, id).pid as number;
    expect(runj(env, ['delete', '--force', id])).toMatchObject({ status: 0, stderr: '' });
    expect(processAlive(pid)).toBe(false);
    expect(runj(env, ['delete', '--force', id])).toMatchObject({ status: 0 });
    expect(runj(env, ['delete', id])).toMatchObject({ status: 1, stderr: 'runj: container does not exist\n' });
  });

  it('exactly one of two concurrent starts succeeds', async () => {
    const id = uniqueId();
    expect(runjCreate(env, id, makeBundle(env, ['sleep', '100'])).status).toBe(0);
    const results = await Promise.all([runjAsync(env, ['start', id]), runjAsync(env, ['start', id])]);
    expect(results.map((r) => r.status).sort()).toEqual([0, 1]);
    expect(results.find((r) => r.status === 1)?.stderr).toBe('runj: cannot start an already running container\n');
    expect(runj(env, ['delete', '--force', id]).status).toBe(0);
  });

  it('reports stopped when the pid was reused by another process', () => {
    const id = uniqueId();
    expect(runjCreate(env, id, makeBundle(env, ['sleep', '100'])).status).toBe(0);
    const file = path.join(env.root, id, 'state.json');
    const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
    const real = saved.pid;
    // Point the record at a live process that is not the container (this test runner).
    fs.writeFileSync(file, JSON.stringify({ ...saved, pid: process.pid }));
    expect(stateOf(env, id).status).toBe('stopped');
    expect(runj(env, ['kill', id, 'KILL'])).toMatchObject({ status: 1, stderr: 'runj: container not running\n' });
    fs.writeFileSync(file, JSON.stringify({ ...saved, pid: real }));
    expect(stateOf(env, id).status).toBe('created');
    expect(runj(env, ['delete', id]).status).toBe(0);
  });

  it('lists containers as a table, as JSON and quietly', () => {
    const a = uniqueId('list');
    expect(runjCreate(env, a, makeBundle(env, ['true'])).status).toBe(0);
    const table = runj(env, ['list']).stdout.split('\n');
    expect(table[0]).toMatch(/^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER$/);
    expect(table.some((l) => l.startsWith(a) && l.includes('created'))).toBe(true);
    const json = JSON.parse(runj(env, ['list', '--format', 'json']).stdout) as { id: string; status: string }[];
    expect(json.find((s) => s.id === a)?.status).toBe('created');
    expect(runj(env, ['list', '-q']).stdout.split('\n')).toContain(a);
    expect(runj(env, ['list', '--format', 'xml'])).toMatchObject({ status: 2 });
    expect(runj(env, ['delete', a]).status).toBe(0);
  });
});
