import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Spec } from '../../src/plan/spec.js';
import { controllerDir } from '../../src/platform/linux/cgroupLayout.js';
import { hostLayout } from '../../src/platform/linux/cgroups.js';
import { type Env, RUNJ, isRoot, makeBundle, makeEnv, mounts, processAlive, processesWith, runj, runjCreate, uniqueId } from './harness.js';

/** Every failed create must leave nothing: no state dir, no mount, no process. */
const layout = hostLayout();

describe.skipIf(!isRoot)('failed create leaves nothing behind', () => {
  let env: Env;
  beforeAll(() => {
    env = makeEnv();
  });
  afterAll(() => env.cleanup());

  function expectFailure(args: string[], patch: (s: Spec) => void, message: RegExp | string) {
    const id = uniqueId('fail');
    const marker = `marker-${id}`;
    const bundle = makeBundle(env, [...args, marker], patch);
    const before = mounts();
    const r = runjCreate(env, id, bundle);
    const stderr = r.stderr();
    expect(r.status).toBe(1);
    if (typeof message === 'string') expect(stderr).toContain(message);
    else expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(fs.existsSync(path.join(env.root, id))).toBe(false);
    expect(mounts()).toBe(before);
    expect(processesWith(marker)).toEqual([]);
    // A host without a pids controller cannot show a leftover cgroup: fail, do not pass unchecked.
    const cgroup = controllerDir(layout, `/runj/${id}`, 'pids');
    if (!cgroup) throw new Error(`this host has no pids cgroup (cgroup mode ${layout.mode}): cannot check that a failed create removes its cgroup`);
    expect(fs.existsSync(cgroup), `${cgroup} left behind`).toBe(false);
    expect(runj(env, ['state', id]).stderr).toBe('runj: container does not exist\n');
  }

  it('missing executable', () => {
    expectFailure(['/bin/nonexistent'], () => {}, 'exec: "/bin/nonexistent"');
    expectFailure(['nonexistent-cmd'], () => {}, 'exec: "nonexistent-cmd": executable file not found in $PATH');
  });

  it('bad mount source', () => {
    expectFailure(['true'], (s) => s.mounts?.push({ destination: '/data', source: '/nonexistent/src', options: ['bind'] }), '/nonexistent/src');
  });

  it('failing createRuntime and prestart hooks', () => {
    expectFailure(['true'], (s) => { s.hooks = { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', 'echo nope >&2; exit 3'] }] }; }, 'createRuntime hook /bin/sh: exit status 3: nope');
    expectFailure(['true'], (s) => { s.hooks = { prestart: [{ path: '/nonexistent/hook' }] }; }, 'prestart hook /nonexistent/hook');
  });

  it('failing and timed-out createContainer hooks', () => {
    expectFailure(['true'], (s) => { s.hooks = { createContainer: [{ path: '/bin/false' }] }; }, '/bin/false');
    expectFailure(['true'], (s) => { s.hooks = { createContainer: [{ path: '/bin/sleep', args: ['sleep', '30'], timeout: 1 }] }; }, /\/bin\/sleep.*tim/);
  });

  it('a cwd that is a file', () => {
    expectFailure(['true'], (s) => { if (s.process) s.process.cwd = '/bin/busybox'; }, /cwd|busybox/);
  });

  it('an invalid config names the file, pointer and rule', () => {
    expectFailure(['true'], (s) => { (s.process as unknown as Record<string, unknown>).args = 'sh'; }, 'config.json: /process/args');
    expectFailure(['true'], (s) => { s.mounts?.push({ destination: 'relative', type: 'tmpfs', source: 'tmpfs' }); }, 'config.json: /mounts/6/destination');
  });

  it('an unsupported field names the field', () => {
    expectFailure(['true'], (s) => { if (s.process) s.process.apparmorProfile = 'runj-test'; }, 'config.json: process.apparmorProfile: the Linux backend cannot apply it');
    expectFailure(['true'], (s) => { if (s.linux) s.linux.seccomp = { defaultAction: 'SCMP_ACT_NOTIFY' }; }, 'SCMP_ACT_NOTIFY is not supported');
    expectFailure(['true'], (s) => { if (s.linux) s.linux.resources = { hugepageLimits: [{ pageSize: '2MB', limit: 1 }] }; }, 'linux.resources.hugepageLimits');
  });

  it('--systemd-cgroup with a config that needs it', () => {
    const id = uniqueId('fail');
    const bundle = makeBundle(env, ['true'], (s) => { if (s.linux) s.linux.cgroupsPath = 'system.slice:runj:x'; });
    expect(runj(env, ['--systemd-cgroup', 'create', '--bundle', bundle, id]).stderr).toContain('--systemd-cgroup');
    expect(fs.existsSync(path.join(env.root, id))).toBe(false);
  });

  it('a helper that cannot be started', () => {
    const id = uniqueId('fail');
    const helper = path.join(env.dir, 'runj-helper-not-executable');
    fs.writeFileSync(helper, '', { mode: 0o644 });
    const r = spawnSync(process.execPath, [RUNJ, '--root', env.root, 'create', '--bundle', makeBundle(env, ['true']), id], {
      encoding: 'utf8',
      env: { ...process.env, RUNJ_HELPER: helper, NODE_EXTRA_CA_CERTS: '' },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('start runj-helper');
    expect(fs.existsSync(path.join(env.root, id))).toBe(false);
  });

  it('input refused after the helper started leaves no helper: it is killed and reaped unsent', () => {
    // create starts the helper before it validates the bundle. A link to it whose name carries a
    // marker shows in the command line of every helper (and its sealed copy) this create ran.
    const marker = uniqueId('unsent');
    const link = path.join(env.dir, `runj-helper-${marker}`);
    fs.symlinkSync(path.resolve(path.dirname(RUNJ), '..', 'native', 'runj-helper'), link);
    const bad = makeBundle(env, ['true'], (s) => { (s.process as unknown as Record<string, unknown>).args = 'sh'; });
    for (const bundle of [bad, '/nonexistent/bundle']) {
      const id = uniqueId('fail');
      const r = spawnSync(process.execPath, [RUNJ, '--root', env.root, 'create', '--bundle', bundle, id], {
        encoding: 'utf8',
        env: { ...process.env, RUNJ_HELPER: link, NODE_EXTRA_CA_CERTS: '' },
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/config.json: \/process\/args|does not exist/);
      expect(processesWith(marker)).toEqual([]);
      expect(fs.existsSync(path.join(env.root, id))).toBe(false);
    }
    // The same helper link does start containers: the check above can see its processes.
    const id = uniqueId('unsent');
    const r = spawnSync(process.execPath, [RUNJ, '--root', env.root, 'create', '--bundle', makeBundle(env, ['sleep', '100']), id], {
      stdio: 'ignore',
      env: { ...process.env, RUNJ_HELPER: link, NODE_EXTRA_CA_CERTS: '' },
    });
    expect(r.status).toBe(0);
    expect(processesWith(marker).length).toBe(1); // the container's init, parked on exec.fifo
    expect(runj(env, ['delete', '--force', id]).status).toBe(0);
    expect(processesWith(marker)).toEqual([]);
  });

  it.each([[[]], [['--unshare', 'pid,net,ipc,uts,mount']]])('runj killed while its helper (%j) waits for the plan: the helper ends by itself, having made nothing', async (early) => {
    // create starts the helper before it validates the bundle; a kill -9 of runj then closes the
    // helper's socket before any plan was sent. Here the socket's other end is closed by hand.
    // Namespaces it entered early die with it.
    const helper = path.resolve(path.dirname(RUNJ), '..', 'native', 'runj-helper');
    const before = fs.readdirSync(env.dir);
    const child = spawn(helper, [...early, '3'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'], cwd: env.dir });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    await new Promise((r) => setTimeout(r, 200)); // started, and blocked on the socket
    expect(processAlive(child.pid as number)).toBe(true);
    (child.stdio[3] as import('node:net').Socket).destroy();
    const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running after 5 s'), 5000))]);
    expect(code).toBe(1);
    expect(fs.readdirSync(env.dir)).toEqual(before); // its cwd: no exec.fifo or anything else made
  });

  it('a helper told to enter namespaces before its plan (--unshare) waits in them, and refuses a plan that does not create them', async () => {
    const helper = path.resolve(path.dirname(RUNJ), '..', 'native', 'runj-helper');
    const fifoDir = fs.mkdtempSync(path.join(env.dir, 'early-'));
    const started = (args: string[]) => {
      const child = spawn(helper, [...args, '3'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'], cwd: env.dir });
      const socket = child.stdio[3] as import('node:net').Socket;
      let out = '';
      socket.on('data', (d) => {
        out += d;
      });
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      return { child, socket, exited, message: () => JSON.parse(out.trim().split('\n')[0] ?? '') };
    };
    const ns = (pid: number | string, type: string) => fs.readlinkSync(`/proc/${pid}/ns/${type}`);
    const h = started(['--unshare', 'net,uts']);
    const pid = h.child.pid as number;
    for (let i = 0; i < 200 && ns(pid, 'uts') === ns('self', 'uts'); i++) await new Promise((r) => setTimeout(r, 10));
    expect(ns(pid, 'net')).not.toBe(ns('self', 'net'));
    expect(ns(pid, 'uts')).not.toBe(ns('self', 'uts'));
    expect(ns(pid, 'ipc')).toBe(ns('self', 'ipc')); // only what it was told
    // A plan that creates the uts namespace but not the network one.
    h.socket.write(`version 1\nmode create\nfifo-dir ${fifoDir}\nns-new uts\narg true\nend\n`);
    expect(await h.exited).toBe(1);
    expect(h.message()).toMatchObject({ type: 'error', stage: 'plan', msg: expect.stringContaining('--unshare') });
    expect(fs.readdirSync(fifoDir)).toEqual([]); // refused with the plan's checks: no exec.fifo made
    for (const types of ['user', 'cgroup', 'bogus', 'net,net', '', ',', 'pid,,net', 'net,', 'pid,'.repeat(20)]) {
      const bad = started(['--unshare', types]);
      expect(await bad.exited).toBe(1);
      expect(bad.message(), types).toMatchObject({ type: 'error', stage: 'namespace', msg: expect.stringMatching(/cannot be unshared before the plan|too long/) });
    }
  });

  it('a helper started without a usable sync fd exits 2 at once, with nothing to report on', () => {
    const helper = path.resolve(path.dirname(RUNJ), '..', 'native', 'runj-helper');
    for (const args of [[], ['x'], ['3x'], ['2'], ['99'], ['--unshare', 'net'], ['--unshare', 'net', ''], ['--other', 'net', '3']]) {
      const r = spawnSync(helper, args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], timeout: 10_000 });
      expect(r.status, JSON.stringify(args)).toBe(2);
      expect(r.stdout.length + r.stderr.length, JSON.stringify(args)).toBe(0);
    }
  });

  it('a missing bundle or config', () => {
    const id = uniqueId('fail');
    expect(runj(env, ['create', '--bundle', '/nonexistent/bundle', id])).toMatchObject({
      status: 1,
      stderr: 'runj: bundle /nonexistent/bundle does not exist\n',
    });
    const empty = fs.mkdtempSync(path.join(env.dir, 'empty-'));
    expect(runj(env, ['create', '--bundle', empty, id]).stderr).toBe(`runj: ${empty}/config.json does not exist\n`);
    fs.writeFileSync(path.join(empty, 'config.json'), '{not json');
    expect(runj(env, ['create', '--bundle', empty, id]).stderr).toMatch(/config.json: invalid JSON/);
    expect(fs.existsSync(path.join(env.root, id))).toBe(false);
  });

  it('bad ids and usage errors', () => {
    expect(runj(env, ['create', '../escape'])).toMatchObject({ status: 1, stderr: 'runj: invalid container id format: ../escape\n' });
    expect(runj(env, ['state'])).toMatchObject({ status: 2 });
    expect(runj(env, ['kill', 'x', 'NOPE'])).toMatchObject({ status: 1, stderr: 'runj: unknown signal "NOPE"\n' });
    expect(runj(env, ['frobnicate'])).toMatchObject({ status: 2 });
    expect(runj(env, ['create', '--bogus', 'x'])).toMatchObject({ status: 2, stderr: 'runj: flag provided but not defined: --bogus\n' });
    expect(runj(env, ['--log-format', 'xml', 'list'])).toMatchObject({ status: 2 });
  });

  it('writes runc-format JSON error lines to --log', () => {
    const log = path.join(env.dir, 'runj.log');
    const r = runj(env, ['--log', log, '--log-format=json', 'state', 'missing-one']);
    expect(r.status).toBe(1);
    const lines = fs.readFileSync(log, 'utf8').trim().split('\n');
    const last = JSON.parse(lines.at(-1) as string);
    expect(last).toMatchObject({ level: 'error', msg: 'container does not exist' });
    expect(Number.isNaN(Date.parse(last.time))).toBe(false);
  });
});

describe.skipIf(!isRoot)('a damaged sandbox in state.json', () => {
  let env: Env;
  beforeAll(() => {
    env = makeEnv();
  });
  afterAll(() => env.cleanup());

  it('kill --all and ps refuse it naming the field; state still works; delete --force removes the container, its processes and its cgroup', () => {
    const id = uniqueId('dmg');
    const marker = `marker-${id}`;
    // `; true` keeps sh (whose argv has the marker) from exec'ing sleep.
    const bundle = makeBundle(env, ['sh', '-c', 'sleep 1000; true', marker]);
    expect(runjCreate(env, id, bundle).status).toBe(0);
    expect(runj(env, ['start', id]).status).toBe(0);
    expect(processesWith(marker)).toHaveLength(1);
    const file = path.join(env.root, id, 'state.json');
    const record = JSON.parse(fs.readFileSync(file, 'utf8'));
    const cgroup = controllerDir(layout, record.sandbox.cgroup.path, 'pids');
    record.sandbox.cgroup = 'garbage';
    fs.writeFileSync(file, JSON.stringify(record));
    for (const args of [['kill', '--all', id, 'KILL'], ['ps', id]]) {
      const r = runj(env, args);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe('runj: state.json: sandbox.cgroup: must be an object\n');
    }
    expect(processesWith(marker)).toHaveLength(1);
    expect(JSON.parse(runj(env, ['state', id]).stdout).status).toBe('running');
    expect(runj(env, ['delete', '--force', id]).status).toBe(0);
    expect(processesWith(marker)).toEqual([]);
    expect(fs.existsSync(path.join(env.root, id))).toBe(false);
    if (cgroup) expect(fs.existsSync(cgroup)).toBe(false);
  });
});
