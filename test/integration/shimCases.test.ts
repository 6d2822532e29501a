/**
 * containerd-shim-runj-v1 under Debian's containerd 1.6 (private, as in
 * shim.test.ts): the cases the other shim files leave out. Ten containers
 * at once; a spec the runtime refuses; pause and resume; ps with the init's
 * own child; the init's events in order; a specific signal and 128+signal;
 * Kill --all reaching each process once (not again through the helper's
 * relay); and an init that ends on its own taking its execs with it. Each
 * case checks that nothing is left: no task, container, shim, helper, mount,
 * cgroup or runtime state.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Containerd, IMAGE, SHIM, expectNothingLeft as nothingLeft, haveContainerd, startContainerd } from './containerd.js';
import { pidsWith, REPO } from '../../scripts/lib/containerd.mjs';
import { isRoot, waitFor } from './harness.js';


describe.skipIf(!isRoot || !haveContainerd())('containerd-shim-runj-v1: more cases with containerd 1.6', () => {
  let c: Containerd;
  beforeAll(async () => {
    c = await startContainerd();
  });
  afterAll(async () => {
    await c?.stop();
  });
  const undo: (() => void)[] = [];
  afterEach(() => {
    for (const f of undo.splice(0)) f();
  });

  const env = () => ({ ...process.env, CONTAINERD_ADDRESS: c.sock, CONTAINERD_NAMESPACE: c.namespace });
  /** ctr in the background: its exit status and output when it ends. */
  const ctrAsync = (args: string[]) => {
    const child: ChildProcess = spawn('ctr', args, { env: env(), stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    undo.push(() => child.exitCode === null && child.kill());
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr?.setEncoding('utf8').on('data', (s: string) => (out += s));
    const done = new Promise<{ status: number | null; out: string }>((r) => child.once('exit', (status) => r({ status, out })));
    return { child, done, out: () => out };
  };
  /** A file in a running container's rootfs, read from the host (the bundle's mount). */
  const inRootfs = (id: string, file: string) => path.join(c.dir, 'state/io.containerd.runtime.v2.task', c.namespace, id, 'rootfs', file);
  const read = (id: string, file: string) => {
    try {
      return fs.readFileSync(inRootfs(id, file), 'utf8').trim();
    } catch {
      return '';
    }
  };
  const status = (id: string) => new RegExp(`^${id}\\s+\\d+\\s+(\\w+)`, 'm').exec(c.ctr(['task', 'ls']).stdout)?.[1];
  /** Cgroups under the namespace's (ctr's cgroupsPath /<namespace>/<id>; the parent itself goes at stop()). */
  const cgroupsLeft = () => {
    const base = '/sys/fs/cgroup';
    const parents = [path.join(base, c.namespace), ...fs.readdirSync(base).map((h) => path.join(base, h, c.namespace))];
    return parents.filter((d) => fs.existsSync(d)).flatMap((d) => fs.readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(d, e.name)));
  };
  const expectNothingLeft = async () => {
    await nothingLeft(c);
    expect(c.ctr(['containers', 'ls', '-q']).stdout.trim()).toBe('');
    const helpers = pidsWith(path.join(REPO, 'native/runj-helper')).filter((p) => p !== process.pid);
    expect(helpers.map((p) => fs.readFileSync(`/proc/${p}/cmdline`, 'utf8'))).toEqual([]);
    expect(cgroupsLeft()).toEqual([]);
  };
  const finish = async (id: string) => {
    if (status(id) !== 'STOPPED') expect(c.ctr(['task', 'kill', '-s', 'SIGKILL', id]).status).toBe(0);
    await waitFor(() => status(id) === 'STOPPED', 10_000);
    expect(c.ctr(['task', 'delete', id]).status).toBe(0);
    expect(c.ctr(['containers', 'rm', id]).status).toBe(0);
  };
  const runD = (id: string, ...args: string[]) => expect(c.ctr(['run', '-d', '--runtime', SHIM, ...args.slice(0, -1), IMAGE, id, 'sh', '-c', args.at(-1) as string])).toMatchObject({ status: 0, stderr: '' });

  it('ten containers at once: all RUNNING, all killed and deleted, nothing left', async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `ten${i}`);
    const runs = await Promise.all(ids.map((id) => ctrAsync(['run', '-d', '--runtime', SHIM, IMAGE, id, 'sleep', '600']).done));
    expect(runs.map((r) => r.status)).toEqual(ids.map(() => 0));
    for (const id of ids) expect(status(id)).toBe('RUNNING');
    expect(c.shims()).toHaveLength(1);
    const kills = await Promise.all(ids.map((id) => ctrAsync(['task', 'kill', '-s', 'SIGKILL', id]).done));
    expect(kills.map((r) => r.status)).toEqual(ids.map(() => 0));
    await waitFor(() => ids.every((id) => status(id) === 'STOPPED'), 20_000);
    const deletes = await Promise.all(ids.map((id) => ctrAsync(['task', 'delete', id]).done));
    expect(deletes.map((r) => r.status)).toEqual(ids.map(() => 0));
    for (const id of ids) expect(c.ctr(['containers', 'rm', id]).status).toBe(0);
    await expectNothingLeft();
  }, 120_000);

  it('a spec the runtime refuses: ctr says "OCI runtime create failed: <reason>", nothing left', async () => {
    const r = c.ctr(['run', '--rm', '--runtime', SHIM, '--with-ns', 'network:/nonexistent/netns', IMAGE, 'bad1', 'true']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('OCI runtime create failed: open net namespace /nonexistent/netns: No such file or directory');
    await expectNothingLeft();
  });

  it('pause and resume: PAUSED with the counter still, then RUNNING and counting again', async () => {
    runD('p1', 'i=0; while :; do i=$((i+1)); echo $i > /count; sleep 0.1; done');
    await waitFor(() => Number(read('p1', 'count')) > 2, 10_000);
    expect(c.ctr(['task', 'pause', 'p1']).status).toBe(0);
    expect(status('p1')).toBe('PAUSED');
    const frozen = read('p1', 'count');
    await new Promise((r) => setTimeout(r, 700));
    expect(read('p1', 'count')).toBe(frozen);
    expect(c.ctr(['task', 'resume', 'p1']).status).toBe(0);
    expect(status('p1')).toBe('RUNNING');
    await waitFor(() => Number(read('p1', 'count')) > Number(frozen) + 2, 10_000);
    await finish('p1');
    await expectNothingLeft();
  });

  it('ctr task ps lists the init and its child', async () => {
    runD('ps1', 'sleep 600 & echo $! > /child; wait');
    await waitFor(() => read('ps1', 'child') !== '', 10_000);
    const init = Number(/^ps1\s+(\d+)/m.exec(c.ctr(['task', 'ls']).stdout)?.[1]);
    const listed = c.ctr(['task', 'ps', 'ps1']).stdout.trim().split('\n').slice(1).map((l) => Number(l.trim().split(/\s+/)[0]));
    expect(listed).toHaveLength(2);
    expect(listed).toContain(init);
    const child = listed.find((p) => p !== init) as number;
    expect(fs.readFileSync(`/proc/${child}/cmdline`, 'utf8')).toBe('sleep\x00600\x00');
    expect(Number(fs.readFileSync(`/proc/${child}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1])).toBe(init);
    await finish('ps1');
    await expectNothingLeft();
  });

  it("the init's events, in order: create, start, exit, delete", async () => {
    const events = ctrAsync(['events']);
    await new Promise((r) => setTimeout(r, 300)); // subscribed
    const r = c.ctr(['run', '--rm', '--runtime', SHIM, IMAGE, 'ev1', 'sh', '-c', 'exit 5']);
    expect(r.status).toBe(5);
    await waitFor(() => /\/tasks\/delete.*ev1/.test(events.out()), 10_000);
    const topics = events.out().split('\n').filter((l) => l.includes('ev1')).map((l) => l.split(/\s+/).find((w) => w.startsWith('/tasks/'))).filter(Boolean);
    expect(topics).toEqual(['/tasks/create', '/tasks/start', '/tasks/exit', '/tasks/delete']);
    expect(events.out()).toMatch(/\/tasks\/exit.*"exit_status":5/);
    await expectNothingLeft();
  });

  it('kill -s SIGUSR1: an untrapped signal ends the process with 128+10; a trapped one is handled', async () => {
    // The init is pid 1 of its pid namespace, which the kernel spares untrapped signals: it traps.
    runD('k1', 'trap "echo usr1 > /got" USR1; while :; do sleep 1 & wait; done');
    await waitFor(() => (c.ctr(['task', 'ps', 'k1']).stdout.match(/\n/g) ?? []).length >= 3, 10_000);
    const exec = ctrAsync(['task', 'exec', '--exec-id', 's1', 'k1', 'sleep', '600']);
    await waitFor(() => /ExecID:s1/.test(c.ctr(['task', 'ps', 'k1']).stdout), 10_000);
    expect(c.ctr(['task', 'kill', '--exec-id', 's1', '-s', 'SIGUSR1', 'k1']).status).toBe(0);
    expect((await exec.done).status).toBe(138);
    expect(c.ctr(['task', 'kill', '-s', 'SIGUSR1', 'k1']).status).toBe(0);
    await waitFor(() => read('k1', 'got') === 'usr1', 10_000);
    expect(status('k1')).toBe('RUNNING');
    await finish('k1');
    await expectNothingLeft();
  });

  it('kill --all: the init and an exec each count exactly one SIGUSR1 per kill', async () => {
    const counter = (file: string) => `n=0; trap 'n=$((n+1)); echo $n > ${file}' USR1; echo 0 > ${file}; while :; do sleep 1 & wait; done`;
    runD('a1', counter('/init'));
    const exec = ctrAsync(['task', 'exec', '--exec-id', 'e1', 'a1', 'sh', '-c', counter('/exec')]);
    await waitFor(() => read('a1', 'init') === '0' && read('a1', 'exec') === '0', 10_000);
    for (let round = 1; round <= 5; round++) {
      expect(c.ctr(['task', 'kill', '--all', '-s', 'SIGUSR1', 'a1']).status).toBe(0);
      await waitFor(() => Number(read('a1', 'init')) >= round && Number(read('a1', 'exec')) >= round, 10_000);
      await new Promise((r) => setTimeout(r, 200)); // a second delivery would land by now
      expect([read('a1', 'init'), read('a1', 'exec')]).toEqual([String(round), String(round)]);
    }
    await finish('a1');
    expect((await exec.done).status).toBe(137);
    await expectNothingLeft();
  }, 60_000);

  it('an init that ends on its own (no pid namespace) takes its execs with it, before any delete', async () => {
    // In the host's pid namespace the kernel leaves the execs running when the init ends.
    runD('x1', '--with-ns', 'pid:/proc/self/ns/pid', 'while [ ! -e /stop ]; do sleep 0.1; done; exit 3');
    const init = Number(/^x1\s+(\d+)/m.exec(c.ctr(['task', 'ls']).stdout)?.[1]);
    expect(fs.readlinkSync(`/proc/${init}/ns/pid`)).toBe(fs.readlinkSync('/proc/self/ns/pid'));
    const events = ctrAsync(['events']);
    const exec = ctrAsync(['task', 'exec', '--exec-id', 'e1', 'x1', 'sleep', '600']);
    await waitFor(() => /ExecID:e1/.test(c.ctr(['task', 'ps', 'x1']).stdout), 10_000);
    fs.writeFileSync(inRootfs('x1', 'stop'), '');
    await waitFor(() => exec.child.exitCode !== null, 10_000);
    expect((await exec.done).status).toBe(137);
    expect(status('x1')).toBe('STOPPED');
    await waitFor(() => (events.out().match(/\/tasks\/exit/g) ?? []).length === 2, 10_000);
    const exits = events.out().split('\n').filter((l) => l.includes('/tasks/exit'));
    expect(exits[0]).toMatch(/"exit_status":3/);
    expect(exits[1]).toMatch(/"id":"e1".*"exit_status":137/);
    await finish('x1');
    await expectNothingLeft();
  }, 60_000);
});
