/**
 * Crash consistency of the state store (docs/state.md), as root with real
 * containers: start racing delete --force, runj SIGKILLed at random points
 * of create, start, delete and run, unusable state.json, a full filesystem, ids
 * that look like flags. After each, an id either fully exists or is fully
 * gone: no directory entry, no process, no cgroup, no mount.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Env, RUNJ, isRoot, makeBundle, makeEnv, mounts, processesWith, runj, runjAsync, runjCreate, stateOf, uniqueId, waitFor,
} from './harness.js';

const CGROUP = '/sys/fs/cgroup/runj';

/** What an id left behind: its entries in the root (hidden ones too), processes, cgroup, mounts. */
function leftovers(env: Env, id: string, marker: string): string[] {
  const found: string[] = [];
  for (const name of fs.existsSync(env.root) ? fs.readdirSync(env.root) : []) {
    if (name === id || name.includes(`~${id}~`)) found.push(`entry ${name}`);
  }
  for (const pid of processesWith(marker)) found.push(`process ${pid}`);
  if (fs.existsSync(path.join(CGROUP, id))) found.push(`cgroup ${CGROUP}/${id}`);
  if (mounts().includes(marker)) found.push('mount');
  return found;
}

function spawnRunj(env: Env, args: string[]): ChildProcess {
  return spawn(process.execPath, [RUNJ, '--root', env.root, ...args], { stdio: 'ignore', env: { ...process.env, NODE_EXTRA_CA_CERTS: '' } });
}

/**
 * `create` in the background. The container inherits runj's stdio, so output
 * goes to a file: a pipe would stay open as long as the container lives.
 */
function createAsync(env: Env, bundle: string, id: string): Promise<{ status: number | null; stderr: string }> {
  const file = path.join(env.dir, `${id}.${Math.random().toString(16).slice(2)}.create`);
  const fd = fs.openSync(file, 'w');
  const child = spawn(process.execPath, [RUNJ, '--root', env.root, 'create', '--bundle', bundle, id], {
    stdio: ['ignore', fd, fd],
    env: { ...process.env, NODE_EXTRA_CA_CERTS: '' },
  });
  fs.closeSync(fd);
  return new Promise((r) => child.once('exit', (status) => r({ status, stderr: fs.readFileSync(file, 'utf8') })));
}

/** Resolves once `child` has a file named `lock` under `root` open (or has exited). */
async function lockOpened(child: ChildProcess, root: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (child.exitCode === null && child.signalCode === null && Date.now() < deadline) {
    try {
      for (const fd of fs.readdirSync(`/proc/${child.pid}/fd`)) {
        const target = fs.readlinkSync(`/proc/${child.pid}/fd/${fd}`);
        if (target.startsWith(`${root}/`) && target.endsWith('/lock')) return;
      }
    } catch {}
    await new Promise((r) => setTimeout(r, 1));
  }
}

const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

describe.skipIf(!isRoot)('state crash consistency', () => {
  let env: Env;
  beforeAll(() => {
    env = makeEnv();
  });
  afterAll(() => env.cleanup());

  it('start racing delete --force, 8 ids at a time over 120 ids, leaves no stuck id', async () => {
    const marker = `race-${process.pid}.mark`;
    const bundle = makeBundle(env, ['sh', '-c', 'sleep 1000; true', marker]);
    const stuck: string[] = [];
    const ids = Array.from({ length: 120 }, () => uniqueId('race'));
    for (let i = 0; i < ids.length; i += 8) {
      const batch = ids.slice(i, i + 8);
      await Promise.all(batch.map((id) => createAsync(env, bundle, id)));
      await Promise.all(batch.flatMap((id) => [runjAsync(env, ['start', id]), runjAsync(env, ['delete', '--force', id])]));
      for (const id of batch) {
        // Stuck: `state` says it does not exist while something remains, or create refuses it.
        const st = runj(env, ['state', id]);
        if (st.status === 0) {
          stuck.push(`${id}: still exists after delete --force`);
          continue;
        }
        if (fs.existsSync(path.join(env.root, id))) stuck.push(`${id}: ${st.stderr.trim()} but ${id}/ remains`);
      }
    }
    // Every id is reusable afterwards.
    for (const id of ids.slice(0, 8)) {
      const c = runjCreate(env, id, bundle);
      if (c.status !== 0) stuck.push(`${id}: create: ${c.stderr().trim()}`);
      runj(env, ['delete', '--force', id]);
    }
    console.log(`start/delete race: ${ids.length} ids, ${stuck.length} stuck`);
    expect(stuck).toEqual([]);
    expect(processesWith(marker)).toEqual([]);
  }, 600_000);

  it('runj SIGKILLed at random points of create, start, delete and run: delete --force leaves nothing', async () => {
    const report: Record<string, { faults: number; killedMidway: number; leftovers: string[] }> = {};
    // run: one lock from its create through its start (create hands it over), then the wait.
    for (const op of ['create', 'start', 'delete', 'run'] as const) {
      report[op] = { faults: 0, killedMidway: 0, leftovers: [] };
      for (let n = 0; n < 12; n++) {
        const id = uniqueId(`kill-${op}`);
        const marker = `${id}.mark`;
        const bundle = makeBundle(env, ['sh', '-c', 'sleep 1000; true', marker]);
        if (op === 'start' || op === 'delete') expect(runjCreate(env, id, bundle).status).toBe(0);
        if (op === 'delete') expect(runj(env, ['start', id]).status).toBe(0);
        const args = { create: ['create', '--bundle', bundle, id], run: ['run', '--bundle', bundle, id], start: ['start', id], delete: ['delete', '--force', id] };
        const child = spawnRunj(env, args[op]);
        // Timing alone mostly hits Node's start-up on a loaded machine: wait until runj
        // holds the container's lock file open (inside the operation), then kill it at once
        // (every other time: a start is over a few ms after it takes the lock) or 1-25 ms later.
        await lockOpened(child, env.root);
        if (n % 2) await new Promise((r) => setTimeout(r, 1 + Math.floor(Math.random() * 25)));
        child.kill('SIGKILL');
        await exited(child);
        report[op].faults++;
        if (child.signalCode === 'SIGKILL') report[op].killedMidway++; // not already finished
        const d = runj(env, ['delete', '--force', id]);
        if (d.status !== 0) report[op].leftovers.push(`${id}: delete --force: ${d.stderr.trim()}`);
        await waitFor(() => processesWith(marker).length === 0, 5_000).catch(() => {});
        for (const l of leftovers(env, id, marker)) report[op].leftovers.push(`${id}: ${l}`);
        if (runj(env, ['state', id]).status === 0) report[op].leftovers.push(`${id}: state still answers`);
      }
    }
    console.log(`SIGKILL faults: ${JSON.stringify(Object.fromEntries(Object.entries(report).map(([k, v]) => [k, { faults: v.faults, killedMidway: v.killedMidway, leftovers: v.leftovers.length }])))}`);
    expect(Object.values(report).flatMap((r) => r.leftovers)).toEqual([]);
    for (const r of Object.values(report)) expect(r.killedMidway).toBeGreaterThan(0); // the faults did hit operations
    expect(fs.readdirSync(env.root).filter((n) => n.includes('kill-'))).toEqual([]);
  }, 600_000);

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['{}', '{}'],
    ['null', 'null'],
    ['garbage', 'garbage\u0000{'],
  ])('delete --force with a %s state.json kills the running container and removes everything', async (_, text) => {
    const id = uniqueId('bad');
    const marker = `${id}.mark`;
    expect(runjCreate(env, id, makeBundle(env, ['sh', '-c', 'sleep 1000; true', marker])).status).toBe(0);
    expect(runj(env, ['start', id]).status).toBe(0);
    await waitFor(() => processesWith(marker).length > 0);
    const file = path.join(env.root, id, 'state.json');
    if (text === undefined) fs.rmSync(file);
    else fs.writeFileSync(file, text);
    const d = runj(env, ['delete', '--force', id]);
    expect(d.stderr).not.toMatch(/TypeError| {4}at /);
    expect(d.status).toBe(0);
    expect(leftovers(env, id, marker)).toEqual([]);
  });

  it('start on a full filesystem never leaves a running program recorded as created', async () => {
    const root = path.join(env.dir, 'tiny');
    fs.mkdirSync(root);
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', root]).status).toBe(0);
    const small = { ...env, root };
    try {
      const id = uniqueId('full');
      const marker = `${id}.mark`;
      expect(runjCreate(small, id, makeBundle(env, ['sh', '-c', 'sleep 1000; true', marker])).status).toBe(0);
      spawnSync('dd', ['if=/dev/zero', `of=${path.join(root, 'fill')}`, 'bs=4k'], { stdio: 'ignore' });
      const s = runj(small, ['start', id]);
      const st = stateOf(small, id);
      const running = processesWith(marker).length > 0;
      console.log(`start on a full filesystem: exit ${s.status} (${s.stderr.trim()}), state ${st.status}, program running: ${running}`);
      expect(st.status === 'created' && running).toBe(false);
      if (s.status !== 0) {
        expect(s.stderr).toMatch(/write state of .*ENOSPC/);
        expect(running).toBe(false);
      } else {
        expect(st.status).toBe('running');
      }
      // create on the full filesystem fails whole: no entry, no process, no cgroup.
      const id2 = uniqueId('full');
      const c2 = runjCreate(small, id2, makeBundle(env, ['sh', '-c', 'sleep 1000; true', `${id2}.mark`]));
      expect([c2.status, c2.stderr()]).toEqual([1, expect.stringMatching(/ENOSPC/)]);
      expect(leftovers(small, id2, `${id2}.mark`)).toEqual([]);
      expect(runj(small, ['delete', '--force', id]).status).toBe(0);
      expect(leftovers(small, id, marker)).toEqual([]);
      expect(fs.readdirSync(root)).toEqual(['fill']);
    } finally {
      spawnSync('umount', ['-l', root]);
    }
  });

  it.each(['-h', '--help', '-x.y'])('id %s works with every command after --', async (id) => {
    const marker = `flagid${id}.mark`;
    const bundle = makeBundle(env, ['sh', '-c', 'sleep 1000; true', marker]);
    const c = runjCreate(env, id, bundle, ['--']); // create --bundle B -- ID
    expect(c.stderr()).toBe('');
    expect([c.status, fs.readFileSync(c.out, 'utf8')]).toEqual([0, '']);
    expect(JSON.parse(runj(env, ['state', '--', id]).stdout)).toMatchObject({ id, status: 'created' });
    expect(runj(env, ['list', '-q']).stdout.split('\n')).toContain(id);
    expect(runj(env, ['start', '--', id])).toMatchObject({ status: 0, stdout: '' });
    expect(runj(env, ['exec', '--', id, 'echo', 'in'])).toMatchObject({ status: 0, stdout: 'in\n' });
    expect(runj(env, ['ps', '--', id]).status).toBe(0);
    expect(runj(env, ['kill', '--', id, 'KILL'])).toMatchObject({ status: 0, stdout: '' });
    await waitFor(() => JSON.parse(runj(env, ['state', '--', id]).stdout).status === 'stopped');
    expect(runj(env, ['delete', '--', id])).toMatchObject({ status: 0, stdout: '' });
    expect(runj(env, ['state', '--', id])).toMatchObject({ status: 1, stderr: 'runj: container does not exist\n' });
    // Without `--` a flag-looking word is still a flag: help, not an operation on the container.
    expect(runj(env, ['state', '--help']).stdout).toMatch(/^usage: runj state/);
  });

  it('keeps duplicate create exclusive (50 at once) and start exclusive (150 starts over 50 containers)', async () => {
    const bundle = makeBundle(env, ['sleep', '1000']);
    const id = uniqueId('dup');
    const creates = await Promise.all(Array.from({ length: 50 }, () => createAsync(env, bundle, id)));
    const won = creates.filter((r) => r.status === 0).length;
    const refusals = creates.filter((r) => r.stderr === 'runj: container with given ID already exists\n').length;
    console.log(`duplicate create: 50 attempts, ${won} succeeded, ${refusals} refused`);
    expect([won, refusals]).toEqual([1, 49]);
    expect(runj(env, ['delete', '--force', id]).status).toBe(0);

    const ids = Array.from({ length: 50 }, () => uniqueId('st'));
    let violations = 0;
    for (let i = 0; i < ids.length; i += 10) {
      const batch = ids.slice(i, i + 10);
      await Promise.all(batch.map((c) => createAsync(env, bundle, c)));
      const results = await Promise.all(batch.map(async (c) => Promise.all([0, 1, 2].map(() => runjAsync(env, ['start', c])))));
      for (const r of results) if (r.filter((x) => x.status === 0).length !== 1) violations++;
      await Promise.all(batch.map((c) => runjAsync(env, ['delete', '--force', c])));
    }
    console.log(`concurrent start: 150 starts over 50 containers, ${violations} violations`);
    expect(violations).toBe(0);
  }, 300_000);
});
