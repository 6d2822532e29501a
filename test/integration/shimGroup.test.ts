/**
 * One shim for many containers under Debian's containerd 1.6: containers of a
 * namespace share one shim process; deleting some leaves it serving the rest;
 * it exits after the last delete; RUNJ_SHIM_GROUP=container gives one shim
 * each; SIGKILL of the shared shim leaves every task deletable with
 * `ctr task delete` (containerd runs the delete action per container); nothing
 * is left behind (tasks, shims, mounts, runtime state, sockets). Also: the
 * events fallback through `containerd publish` reaches containerd in order.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { socketAddress } from '../../src/shim/paths.js';
import { TaskOOM, TaskStart } from '../../src/shim/proto/events.js';
import { EventPublisher } from '../../src/shim/publisher.js';
import { socketPath } from '../../src/shim/ttrpc/address.js';
import { type Containerd, IMAGE, SHIM, haveContainerd, startContainerd } from './containerd.js';
import { isRoot, waitFor } from './harness.js';


function helpers(c: Containerd) {
  const run = (id: string) => {
    const r = c.ctr(['run', '-d', '--runtime', SHIM, IMAGE, id, 'sleep', '600']);
    expect([r.status, r.stderr]).toEqual([0, '']);
  };
  const running = (id: string) => new RegExp(`${id}\\s+\\d+\\s+RUNNING`).test(c.ctr(['task', 'ls']).stdout);
  const remove = async (id: string) => {
    expect(c.ctr(['task', 'kill', '-s', 'SIGKILL', id]).status).toBe(0);
    await waitFor(() => new RegExp(`${id}\\s+\\d+\\s+STOPPED`).test(c.ctr(['task', 'ls']).stdout), 10_000);
    const deleted = c.ctr(['task', 'delete', id]);
    expect(deleted.status).toBe(0);
    expect(deleted.stderr).toContain('exit code 137'); // the real status, from the shim serving it
    expect(c.ctr(['containers', 'rm', id]).status).toBe(0);
  };
  const mountsUnder = (dir: string) => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(dir));
  const sock = `${c.dir}/containerd.sock`;
  const nothingLeft = async (ids: string[]) => {
    expect(c.ctr(['task', 'ls', '-q']).stdout.trim()).toBe('');
    expect(c.ctr(['containers', 'ls', '-q']).stdout.trim()).toBe('');
    await waitFor(() => c.shims().length === 0, 10_000);
    expect(mountsUnder(c.dir)).toEqual([]);
    expect(fs.readdirSync(`${c.shimRoot}/${c.namespace}`)).toEqual([]);
    for (const group of [...ids, `runj:namespace:${c.namespace}`]) {
      expect(fs.existsSync(socketPath(socketAddress(sock, c.namespace, group)))).toBe(false);
    }
  };
  return { run, running, remove, nothingLeft };
}

describe.skipIf(!isRoot || !haveContainerd())('one shim for the containers of a namespace (containerd 1.6)', () => {
  let c: Containerd;
  beforeAll(async () => {
    c = await startContainerd();
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('three containers share one shim, which serves the last after two are deleted and exits after it', async () => {
    const h = helpers(c);
    for (const id of ['g1', 'g2', 'g3']) h.run(id);
    const shims = c.shims();
    expect(shims).toHaveLength(1);
    for (const id of ['g1', 'g2', 'g3']) expect(h.running(id)).toBe(true);
    // containerd runs at debug level, so it passes -debug: the shim's debug lines reach its log through the fifo.
    const logged = fs.readFileSync(`${c.dir}/containerd.log`, 'utf8');
    expect(logged).toMatch(/g2: joins shim \d+/);
    expect(logged).toMatch(/g3: create in shim \d+ \(2 served\)/);
    await h.remove('g1');
    await h.remove('g2');
    expect(c.shims()).toEqual(shims);
    expect(h.running('g3')).toBe(true);
    expect(c.ctr(['task', 'ps', 'g3']).stdout).toMatch(/\d+/);
    await h.remove('g3');
    // The log moved on from g1's fifo (the container that started the shim) once g1 went.
    expect(fs.readFileSync(`${c.dir}/containerd.log`, 'utf8')).toMatch(/g3: deleted, shim \d+ serves 0 more/);
    await h.nothingLeft(['g1', 'g2', 'g3']);
  });

  it('runtime options on start stdin (ctr --runtime-config-path) are read and ignored', async () => {
    const h = helpers(c);
    const r = c.ctr(['run', '-d', '--runtime', SHIM, '--runtime-config-path', '/etc/runj/runj.toml', IMAGE, 'opt1', 'sleep', '600']);
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(h.running('opt1')).toBe(true);
    expect(fs.readFileSync(`${c.dir}/containerd.log`, 'utf8')).toMatch(/opt1: start, legacy, runtime options runtimeoptions\.v1\.Options \(ignored\)/);
    await h.remove('opt1');
    await h.nothingLeft(['opt1']);
  });

  it("the publish-binary fallback reaches containerd through its own `containerd publish`", async () => {
    const sock = `${c.dir}/containerd.sock`;
    const events = spawn('ctr', ['events'], { env: { ...process.env, CONTAINERD_ADDRESS: sock } });
    let seen = '';
    events.stdout.on('data', (d: Buffer) => {
      seen += d.toString();
    });
    try {
      await new Promise((r) => setTimeout(r, 500)); // subscribed
      const pub = new EventPublisher({ address: `${c.dir}/absent.ttrpc`, namespace: c.namespace, publishBinary: 'containerd', grpcAddress: sock });
      await pub.publish(TaskStart, { containerId: 'via-binary', pid: 4242 });
      await pub.publish(TaskOOM, { containerId: 'via-binary' });
      await waitFor(() => seen.includes('/tasks/oom'), 10_000);
      const lines = seen.split('\n').filter((l) => l.includes('via-binary'));
      expect(lines.map((l) => /\/tasks\/\w+/.exec(l)?.[0])).toEqual(['/tasks/start', '/tasks/oom']);
      expect(lines[0]).toContain(c.namespace);
      expect(lines[0]).toContain('4242');
    } finally {
      events.kill();
    }
  });

  it('SIGKILL of the shared shim: ctr task delete works for each container', async () => {
    const h = helpers(c);
    for (const id of ['k1', 'k2', 'k3']) h.run(id);
    const [shim, ...more] = c.shims();
    expect(more).toEqual([]);
    process.kill(shim as number, 'SIGKILL');
    await waitFor(() => !['k1', 'k2', 'k3'].some(h.running), 15_000);
    for (const id of ['k1', 'k2', 'k3']) {
      c.ctr(['task', 'delete', id]);
      expect(c.ctr(['containers', 'rm', id]).status).toBe(0);
    }
    await h.nothingLeft(['k1', 'k2', 'k3']);
  });

  it('a new container after the shared shim died gets a new shim', async () => {
    const h = helpers(c);
    h.run('n1');
    expect(c.shims()).toHaveLength(1);
    await h.remove('n1');
    await h.nothingLeft(['n1']);
  });
});

describe.skipIf(!isRoot || !haveContainerd())('RUNJ_SHIM_GROUP=container (containerd 1.6)', () => {
  let c: Containerd;
  beforeAll(async () => {
    c = await startContainerd({ env: { RUNJ_SHIM_GROUP: 'container' } });
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('gives each container its own shim', async () => {
    const h = helpers(c);
    for (const id of ['o1', 'o2', 'o3']) h.run(id);
    expect(c.shims()).toHaveLength(3);
    await h.remove('o1');
    expect(c.shims()).toHaveLength(2);
    await h.remove('o2');
    await h.remove('o3');
    await h.nothingLeft(['o1', 'o2', 'o3']);
  });
});
