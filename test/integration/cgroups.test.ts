import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostLayout } from '../../src/platform/linux/cgroups.js';
import { controllerDir } from '../../src/platform/linux/cgroupLayout.js';
import { type Env, REPO, isRoot, makeBundle, makeEnv, processAlive, runj, runjAsync, runjCreate, runjRun, stateOf, uniqueId, waitFor } from './harness.js';

const layout = hostLayout();

describe.skipIf(!isRoot || layout.mode === 'none')('cgroups and seccomp', () => {
  let env: Env;
  beforeAll(() => {
    env = makeEnv();
  });
  afterAll(() => env.cleanup());

  const file = (cgPath: string, controller: string, name: string) =>
    `${controllerDir(layout, cgPath, layout.mode === 'v2' ? '' : controller)}/${name}`;

  it('creates the cgroup with its limits, updates it, reports stats and removes it on delete', () => {
    const id = uniqueId('cg');
    const cgPath = `/runj-test/${id}`;
    const bundle = makeBundle(env, ['sleep', '1000'], (s) => {
      if (!s.linux) return;
      s.linux.cgroupsPath = cgPath;
      s.linux.resources = { pids: { limit: 20 }, memory: { limit: 64 * 1024 * 1024 } };
    });
    expect(runjCreate(env, id, bundle).stderr()).toBe('');
    const pid = stateOf(env, id).pid as number;
    expect(fs.readFileSync(file(cgPath, 'pids', 'pids.max'), 'utf8').trim()).toBe('20');
    expect(fs.readFileSync(file(cgPath, 'pids', 'cgroup.procs'), 'utf8').split('\n')).toContain(String(pid));
    expect(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8')).toContain(cgPath);
    expect(runj(env, ['start', id]).status).toBe(0);
    expect(runj(env, ['update', '--pids-limit', '30', id])).toMatchObject({ status: 0, stderr: '' });
    expect(fs.readFileSync(file(cgPath, 'pids', 'pids.max'), 'utf8').trim()).toBe('30');
    const stats = JSON.parse(runj(env, ['events', '--stats', id]).stdout);
    expect(stats).toMatchObject({ type: 'stats', id, data: { pids: { current: 1, limit: 30 } } });
    expect(runj(env, ['delete', '--force', id]).status).toBe(0);
    expect(fs.existsSync(file(cgPath, 'pids', ''))).toBe(false);
  });

  // cgroup v1 cpuset: a cgroup starts with empty cpuset.cpus/mems, and joining one
  // fails ENOSPC. A parent another create made a moment ago (or a parent made
  // by hand) may still be empty: every level is filled from above, not only
  // the levels this create made.
  it.skipIf(!layout.hierarchies.some((h) => h.controllers.includes('cpuset')))(
    'cpuset v1: a parent whose cpus and mems are still empty is filled, and the container joins',
    () => {
      const root = controllerDir(layout, '/', 'cpuset') as string;
      const parent = `runj-cpuset-${process.pid}`;
      fs.mkdirSync(`${root}/${parent}`);
      try {
        expect(fs.readFileSync(`${root}/${parent}/cpuset.cpus`, 'utf8').trim()).toBe('');
        const id = uniqueId('cg');
        const bundle = makeBundle(env, ['true'], (s) => {
          if (s.linux) s.linux.cgroupsPath = `/${parent}/${id}`;
        });
        expect(runjCreate(env, id, bundle).stderr()).toBe('');
        const cpus = fs.readFileSync(`${root}/cpuset.cpus`, 'utf8').trim();
        expect(fs.readFileSync(`${root}/${parent}/cpuset.cpus`, 'utf8').trim()).toBe(cpus);
        expect(fs.readFileSync(`${root}/${parent}/${id}/cpuset.cpus`, 'utf8').trim()).toBe(cpus);
        expect(runj(env, ['delete', '--force', id]).status).toBe(0);
      } finally {
        fs.rmdirSync(`${root}/${parent}`);
      }
    },
  );

  it('keeps the default /runj parent, made once, and removes each container cgroup', () => {
    const ids = [uniqueId('cg'), uniqueId('cg')];
    for (const id of ids) expect(runjCreate(env, id, makeBundle(env, ['true'])).status).toBe(0);
    const parent = file('/runj', 'pids', '');
    for (const id of ids) expect(fs.existsSync(`${parent}/${id}`)).toBe(true);
    for (const id of ids) expect(runj(env, ['delete', id]).status).toBe(0);
    for (const id of ids) expect(fs.existsSync(`${parent}/${id}`)).toBe(false);
    expect(fs.existsSync(parent)).toBe(true); // kept for the next container, as runc keeps a cgroupsPath's parents
    expect(fs.readFileSync(`${parent}/cgroup.procs`, 'utf8')).toBe('');
  });

  it('kill --all reaches processes the init does not own', async () => {
    const id = uniqueId('cg');
    // No pid namespace: the children would outlive their parent if kill --all missed them.
    const bundle = makeBundle(env, ['sh', '-c', 'sleep 500 & sleep 500 & wait'], (s) => {
      if (s.linux) s.linux.namespaces = s.linux.namespaces?.filter((n) => n.type !== 'pid');
    });
    expect(runjCreate(env, id, bundle).status).toBe(0);
    expect(runj(env, ['start', id]).status).toBe(0);
    await waitFor(() => JSON.parse(runj(env, ['ps', '-f', 'json', id]).stdout).length === 3);
    const pids = JSON.parse(runj(env, ['ps', '-f', 'json', id]).stdout) as number[];
    expect(runj(env, ['kill', '--all', id, 'KILL']).status).toBe(0);
    await waitFor(() => pids.every((p) => !processAlive(p)));
    expect(runj(env, ['delete', id]).status).toBe(0);
  });

  it('delete removes processes that outlived the init', async () => {
    const id = uniqueId('cg');
    const bundle = makeBundle(env, ['sh', '-c', 'sleep 600 & echo $! > /dev/shm/child; exit 0'], (s) => {
      if (s.linux) s.linux.namespaces = s.linux.namespaces?.filter((n) => n.type !== 'pid');
    });
    expect(runjCreate(env, id, bundle).status).toBe(0);
    expect(runj(env, ['start', id]).status).toBe(0);
    await waitFor(() => stateOf(env, id).status === 'stopped');
    const left = JSON.parse(runj(env, ['ps', '-f', 'json', id]).stdout) as number[];
    expect(left).toHaveLength(1); // the sleep, in the container's cgroup
    expect(runj(env, ['delete', id])).toMatchObject({ status: 0, stderr: '' });
    expect(processAlive(left[0] as number)).toBe(false);
  });

  it('refuses resources it cannot apply, naming the field', () => {
    const id = uniqueId('cg');
    const bundle = makeBundle(env, ['true'], (s) => {
      if (s.linux) s.linux.resources = { blockIO: { weight: 100 } };
    });
    const r = runjCreate(env, id, bundle);
    expect(r.status).toBe(1);
    expect(r.stderr()).toContain('config.json: linux.resources.blockIO: cannot be applied on this host');
  });

  it('looks the executable up before a profile without no_new_privs can deny the lookup', () => {
    const id = uniqueId('sc');
    const bundle = makeBundle(env, ['true'], (s) => {
      if (s.process) s.process.noNewPrivileges = false;
      // Old profiles predate these syscalls and deny them with EPERM.
      if (s.linux) s.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['faccessat2', 'statx', 'newfstatat'], action: 'SCMP_ACT_ERRNO' }] };
    });
    expect(runjRun(env, id, bundle)).toEqual({ status: 0, output: '' });
  });

  it('applies a seccomp profile', () => {
    const id = uniqueId('sc');
    const bundle = makeBundle(env, ['sh', '-c', 'mkdir /tmp/denied 2>&1; echo still-running'], (s) => {
      if (s.linux) s.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat', 'no_such_syscall'], action: 'SCMP_ACT_ERRNO' }] };
      if (s.root) s.root.readonly = false;
    });
    const r = runjRun(env, id, bundle);
    expect(r.output).toBe("mkdir: can't create directory '/tmp/denied': Operation not permitted\nstill-running\n");
  });

  it("run: only the container's processes are in its cgroups, not runj's own (the helper's relay), as runc's", async () => {
    const id = uniqueId('cg');
    const cgPath = `/runj-test/${id}`;
    const bundle = makeBundle(env, ['sleep', '1000'], (s) => {
      if (s.linux) s.linux.cgroupsPath = cgPath;
    });
    const run = runjAsync(env, ['run', '--bundle', bundle, id]);
    try {
      await waitFor(() => runj(env, ['state', id]).stdout.includes('"running"'));
      const pid = stateOf(env, id).pid as number;
      const procs = (controller: string) => fs.readFileSync(file(cgPath, controller, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
      // The helper's parent half relays the exit status from outside: its pid is the init's parent's.
      const relay = Number(/^PPid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
      expect(processAlive(relay)).toBe(true);
      for (const controller of ['pids', 'memory']) expect(procs(controller), controller).toEqual([String(pid)]);
      expect(fs.readFileSync(`/proc/${relay}/cgroup`, 'utf8')).not.toContain(cgPath);
    } finally {
      runj(env, ['kill', id, 'KILL']);
      await run;
    }
    expect(fs.existsSync(file(cgPath, 'pids', ''))).toBe(false);
  });

  it('a new cgroup namespace is rooted at the container\'s cgroup: the process sees itself at / in every hierarchy', () => {
    // The helper moves the container process into its cgroups after the fork, and the process
    // unshares its cgroup namespace only then (native/README.md, "Cgroups").
    const id = uniqueId('cg');
    const bundle = makeBundle(env, ['cat', '/proc/self/cgroup'], (s) => {
      s.linux?.namespaces?.push({ type: 'cgroup' });
    });
    const r = runjRun(env, id, bundle);
    expect(r.status).toBe(0);
    const lines = r.output.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^\d+:[^:]*:\/$/);
    const plain = runjRun(env, uniqueId('cg'), makeBundle(env, ['cat', '/proc/self/cgroup']));
    expect(plain.output).toContain('/runj/');
  });

  type Message = { type: string; pid?: number; stage?: string; msg?: string };
  /** The helper alone on a plan that runs `touch marker` with `procs` as its one cgroup.procs: its process and its messages as they come. */
  const helperAlone = (marker: string, procs: string) => {
    const fifoDir = fs.mkdtempSync(`${env.dir}/fifo-`);
    const plan = ['version 1', 'mode run', `fifo-dir ${fifoDir}`, 'preserve-fds 0', 'fork', 'ns-new pid', `cgroup-procs ${procs}`,
      'arg /bin/touch', `arg ${marker}`, 'env PATH=/bin:/usr/bin', 'cwd /', 'user 0 0', 'groups', 'end', ''];
    // fd 3, the helper's channel: libuv makes an extra stdio pipe a socketpair.
    const helper = spawn(path.join(REPO, 'native/runj-helper'), ['3'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
    const messages: Message[] = [];
    let partial = '';
    (helper.stdio[3] as Duplex).on('data', (b: Buffer) => {
      const lines = (partial + b.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line) messages.push(JSON.parse(line) as Message);
    });
    (helper.stdio[3] as Duplex).write(plan.join('\n'));
    const closed = new Promise<number | null>((resolve) => helper.on('close', resolve));
    return { helper, messages, closed };
  };

  it("a container process the helper cannot move into a cgroup: the error names it, and nothing of the container's ran or is left", async () => {
    // A cgroup.procs that refuses every write (/dev/full: ENOSPC, as a v1 cpuset without cpus
    // refuses a task). The container process would make a file.
    const marker = `${env.dir}/ran-${uniqueId()}`;
    const { messages, closed } = helperAlone(marker, '/dev/full');
    expect(await closed).not.toBe(0);
    const error = messages.find((m) => m.type === 'error');
    expect(error).toMatchObject({ stage: 'cgroup' });
    expect(error?.msg).toMatch(/\/dev\/full/);
    // The child, if it was forked (the pid came first), is gone too, and never ran the program.
    const child = messages.find((m) => m.type === 'pid')?.pid;
    if (child !== undefined) await waitFor(() => !processAlive(child), 5000);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('the helper killed (kill -9) while it moves the container process: the process exits, having run nothing', async () => {
    // A full FIFO stands in for cgroup.procs: the parent half's write of the child's pid blocks
    // there, after it sent the pid, until it is killed.
    const marker = `${env.dir}/ran-${uniqueId()}`;
    const procs = path.join(env.dir, `procs-${uniqueId()}`);
    execFileSync('mkfifo', [procs]);
    const held = fs.openSync(procs, fs.constants.O_RDWR | fs.constants.O_NONBLOCK); // a reader, never reading
    try {
      const chunk = Buffer.alloc(4096);
      for (;;) {
        try {
          fs.writeSync(held, chunk);
        } catch {
          break; // EAGAIN: full
        }
      }
      const { helper, messages, closed } = helperAlone(marker, procs);
      await waitFor(() => messages.some((m) => m.type === 'pid'), 10_000);
      const child = messages.find((m) => m.type === 'pid')?.pid as number;
      await new Promise((r) => setTimeout(r, 100)); // the parent blocked in its write
      expect(processAlive(child)).toBe(true);
      helper.kill('SIGKILL');
      await closed;
      await waitFor(() => !processAlive(child), 5000);
      expect(fs.existsSync(marker)).toBe(false);
    } finally {
      fs.closeSync(held);
    }
  });
});

