/**
 * The shim's `start` action as containerd runs it, without containerd: the
 * reply on stdout is exactly the address in the form the version reads, even
 * when NODE_OPTIONS makes Node warn; a second `start` in the group gets the
 * running shim's address; two racing starts end with one shim; Shutdown with
 * no container makes it exit and remove its socket.
 */
import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BootstrapParams, BootstrapResult } from '../../src/shim/proto/options.js';
import { ShutdownRequest } from '../../src/shim/proto/task.js';
import { Empty } from '../../src/shim/proto/wkt.js';
import { socketAddress } from '../../src/shim/paths.js';
import { removeIfDead } from '../../src/shim/socket.js';
import { socketPath } from '../../src/shim/ttrpc/address.js';
import { TtrpcClient } from '../../src/shim/ttrpc/client.js';
import { SHIM } from './containerd.js';
import { isRoot, waitFor } from './harness.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-launch-'));
const ns = `launch${process.pid}`;
const address = path.join(dir, 'containerd.sock'); // nothing listens: no events are sent without containers
// RUNJ_SHIM_LINGER=0: these tests watch shims exit after their last container.
const baseEnv = { ...process.env, RUNJ_SHIM_ROOT: path.join(dir, 'root'), TTRPC_ADDRESS: `${address}.ttrpc`, RUNJ_SHIM_LINGER: '0' };
const bundle = (id: string) => {
  const b = path.join(dir, 'bundles', id);
  fs.mkdirSync(b, { recursive: true });
  return b;
};
const argv = (id: string, namespace = ns) => ['-namespace', namespace, '-address', address, '-publish-binary', '/bin/false', '-id', id, 'start'];

const seen = new Set<string>();
function start(id: string, opts: { env?: NodeJS.ProcessEnv; input?: Uint8Array; namespace?: string } = {}): SpawnSyncReturns<Buffer> {
  const namespace = opts.namespace ?? ns;
  for (const group of [id, `runj:namespace:${namespace}`]) seen.add(socketAddress(address, namespace, group));
  return spawnSync(SHIM, argv(id, opts.namespace), { cwd: bundle(id), env: { ...baseEnv, ...opts.env }, input: opts.input ?? Buffer.alloc(0), timeout: 30_000 });
}
function startAsync(id: string, namespace: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(SHIM, argv(id, namespace), { cwd: bundle(id), env: baseEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`start ${id}: status ${code}: ${out}`))));
  });
}
/** Shim daemons of this test serving `namespace`. */
const shims = (namespace = ns) =>
  fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
        return cmd.includes('serve') && cmd.includes(address) && cmd[cmd.indexOf('-namespace') + 1] === namespace;
      } catch {
        return false;
      }
    });
async function shutdown(addr: string, namespace = ns): Promise<void> {
  const c = await TtrpcClient.connect(addr);
  await c.call('containerd.task.v2.Task', 'Shutdown', ShutdownRequest, { id: 'x' }, Empty, { namespace });
  c.close();
}

afterAll(async () => {
  for (const namespace of [ns, `${ns}race`, `${ns}b`]) {
    for (const pid of shims(namespace)) process.kill(Number(pid), 'SIGKILL');
    for (const id of ['r1', 'r2']) seen.add(socketAddress(address, namespace, id)).add(socketAddress(address, namespace, `runj:namespace:${namespace}`));
  }
  await waitFor(() => shims().length === 0, 10_000);
  for (const a of seen) await removeIfDead(a); // what a failed run's killed shims left
  fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!isRoot)('shim start', () => {
  let addr = '';

  it('prints exactly the plain address for 1.6, even when NODE_OPTIONS makes Node warn', async () => {
    const warning = '--experimental-loader=data:text/javascript,';
    const noisy = spawnSync(process.execPath, ['-e', '0'], { env: { ...process.env, NODE_OPTIONS: warning }, encoding: 'utf8' });
    expect(noisy.stderr).toContain('ExperimentalWarning'); // the option does warn in a plain Node
    const r = start('c1', { env: { NODE_OPTIONS: warning } });
    expect(r.stderr.toString()).toBe('');
    addr = r.stdout.toString();
    expect(addr).toMatch(/^unix:\/\/\/run\/containerd\/s\/[0-9a-f]{64}$/);
    expect((fs.statSync(socketPath(addr)).mode & 0o777).toString(8)).toBe('600');
    expect(shims()).toHaveLength(1);
  });

  it('a second container of the namespace gets the running shim, in the JSON form for MAX_SHIM_VERSION', () => {
    const r = start('c2', { env: { MAX_SHIM_VERSION: '2', GRPC_ADDRESS: address } });
    expect([r.status, r.stderr.toString()]).toEqual([0, '']);
    expect(JSON.parse(r.stdout.toString())).toEqual({ version: 2, address: addr, protocol: 'ttrpc' });
    expect(shims()).toHaveLength(1);
  });

  it('a matching 2.3 BootstrapParams on stdin gets a BootstrapResult', () => {
    const r = start('c3', { input: BootstrapParams.encode({ instanceId: 'c3', namespace: ns, containerdVersion: '2.3.0' }) });
    expect(r.status).toBe(0);
    expect(BootstrapResult.decode(r.stdout)).toEqual(BootstrapResult.create({ version: 3, address: addr, protocol: 'ttrpc' }));
  });

  it('RUNJ_SHIM_GROUP=container gives a container its own shim', async () => {
    const r = start('own', { env: { RUNJ_SHIM_GROUP: 'container' } });
    expect(r.status).toBe(0);
    const own = r.stdout.toString();
    expect(own).not.toBe(addr);
    expect(shims()).toHaveLength(2);
    await shutdown(own);
    await waitFor(() => shims().length === 1, 10_000);
    expect(fs.existsSync(socketPath(own))).toBe(false);
  });

  it('Shutdown with no container (and no pending join) ends the shim and removes its socket', async () => {
    // The joins above hold the shim for a while; Shutdown{now} does not wait for them.
    const c = await TtrpcClient.connect(addr);
    await c.call('containerd.task.v2.Task', 'Shutdown', ShutdownRequest, { id: 'c1', now: true }, Empty, { namespace: ns });
    c.close();
    await waitFor(() => shims().length === 0, 10_000);
    expect(fs.existsSync(socketPath(addr))).toBe(false);
  });

  it('two starts racing for one group end with one shim, both given its address', async () => {
    const race = `${ns}race`;
    const [a, b] = await Promise.all([startAsync('r1', race), startAsync('r2', race)]);
    expect(a).toMatch(/^unix:\/\//);
    expect(b).toBe(a);
    expect(shims(race)).toHaveLength(1);
    const c = await TtrpcClient.connect(a);
    await c.call('containerd.task.v2.Task', 'Shutdown', ShutdownRequest, { id: 'r1', now: true }, Empty, { namespace: race });
    c.close();
    await waitFor(() => shims(race).length === 0, 10_000);
  });

  it('a stale socket of a SIGKILLed shim is replaced by the next start', async () => {
    const nsb = `${ns}b`;
    const first = start('k1', { namespace: nsb }).stdout.toString();
    const [pid] = shims(nsb);
    process.kill(Number(pid), 'SIGKILL');
    await waitFor(() => shims(nsb).length === 0, 10_000);
    expect(fs.statSync(socketPath(first)).isSocket()).toBe(true); // left behind by the dead shim
    const second = start('k2', { namespace: nsb });
    expect([second.status, second.stdout.toString()]).toEqual([0, first]);
    expect(shims(nsb)).toHaveLength(1);
    await shutdown(first, nsb);
    await waitFor(() => shims(nsb).length === 0, 10_000);
    expect(fs.existsSync(socketPath(first))).toBe(false);
  });
});
