/**
 * The native launcher containerd runs (dist/containerd-shim-runj-v1,
 * native/shim_launch.c): `start` joins a live shim of the namespace and
 * prints its address in each version's form; `delete` answers alone when
 * nothing is left to clean; everything else runs the Node shim with the same
 * arguments and stdin. RUNJ_NODE points at a recorder instead of node, so
 * each test shows which path was taken.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { socketAddress } from '../../src/shim/paths.js';
import { BootstrapParams } from '../../src/shim/proto/options.js';
import { DeleteResponse } from '../../src/shim/proto/task.js';
import { registerTaskService } from '../../src/shim/taskApi.js';
import { socketPath } from '../../src/shim/ttrpc/address.js';
import { TtrpcServer } from '../../src/shim/ttrpc/server.js';
import { Code, StatusError } from '../../src/shim/ttrpc/status.js';
import { REPO, isRoot } from './harness.js';

const LAUNCHER = path.join(REPO, 'dist/containerd-shim-runj-v1');
let dir: string;
let recorder: string;
const servers: TtrpcServer[] = [];
const sockets: string[] = [];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-launch-'));
  recorder = path.join(dir, 'node');
  // Stands in for node: what the launcher handed over, argv and stdin; as a
  // `serve` daemon it answers $ANSWER on fd 3 (the readiness pipe).
  fs.writeFileSync(
    recorder,
    `#!/bin/sh\nfor a; do last=$a; done\nif [ "$last" = serve ]; then printf '%s\\n' "$@" > ${dir}/serve; [ -n "$ANSWER" ] && echo "$ANSWER" >&3; exit 0; fi\n` +
      `printf '%s\\n' "$@" > ${dir}/argv\ncat > ${dir}/stdin\necho from-node\n`,
    { mode: 0o755 },
  );
});
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const s of sockets.splice(0)) fs.rmSync(s, { force: true });
  for (const f of ['argv', 'stdin']) fs.rmSync(path.join(dir, f), { force: true });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const address = () => path.join(dir, `containerd-${Math.random().toString(16).slice(2)}.sock`);

/** Asynchronous: the live "shims" below answer from this very process. */
async function launch(args: string[], opts: { env?: Record<string, string>; input?: Uint8Array | string; cwd?: string } = {}) {
  for (const f of ['argv', 'stdin', 'serve']) fs.rmSync(path.join(dir, f), { force: true });
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', RUNJ_NODE: recorder, RUNJ_SHIM_ROOT: path.join(dir, 'root'), ...opts.env };
  const child = spawn(LAUNCHER, args, { env, cwd: opts.cwd ?? dir });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  child.stdin.on('error', () => {}); // delete and a joined start read no stdin: it may be closed first
  child.stdin.end(opts.input ?? '');
  const status = await new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  const ran = fs.existsSync(path.join(dir, 'argv'));
  return {
    status,
    stdout: Buffer.concat(out),
    stderr: Buffer.concat(err).toString(),
    node: ran ? fs.readFileSync(path.join(dir, 'argv'), 'utf8').trim().split('\n') : undefined,
    serve: fs.existsSync(path.join(dir, 'serve')) ? fs.readFileSync(path.join(dir, 'serve'), 'utf8').trim().split('\n') : undefined,
  };
}

/** A live "shim" of the namespace group: records Connects, or refuses them. */
async function liveShim(addr: string, ns: string, refuse = false) {
  const connects: { id: string; namespace: string | undefined; join: string | undefined }[] = [];
  const server = new TtrpcServer();
  registerTaskService(server, {
    Connect(req, call) {
      connects.push({ id: req.id, namespace: call.namespace, join: call.metadata.get('runj-shim-join')?.[0] });
      if (refuse) throw new StatusError(Code.Unavailable, 'shim is shutting down');
      return { shimPid: process.pid, taskPid: 0, version: '' };
    },
  });
  const sock = socketAddress(addr, ns, `runj:namespace:${ns}`);
  fs.mkdirSync(path.dirname(socketPath(sock)), { recursive: true });
  sockets.push(socketPath(sock));
  await server.listen(sock);
  servers.push(server);
  return { sock, connects };
}

const flags = (addr: string, ns: string, id: string, bundle = dir) => ['-namespace', ns, '-address', addr, '-publish-binary', '/usr/bin/containerd', '-id', id, '-bundle', bundle];

describe.skipIf(!isRoot)('containerd-shim-runj-v1 launcher', () => {
  it('start: joins the namespace shim (the socket Node names), prints its address; JSON when MAX_SHIM_VERSION is set', async () => {
    const addr = address();
    const { sock, connects } = await liveShim(addr, 'ns1');
    const plain = await launch([...flags(addr, 'ns1', 'c1'), 'start']);
    expect([plain.status, plain.stdout.toString(), plain.stderr, plain.node]).toEqual([0, sock, '', undefined]);
    expect(connects).toEqual([{ id: 'c1', namespace: 'ns1', join: 'c1' }]);
    const v2 = await launch(['-namespace=ns1', `-address=${addr}`, '-id', 'c2', '-debug', 'start'], { env: { MAX_SHIM_VERSION: '2' } });
    expect(JSON.parse(v2.stdout.toString())).toEqual({ version: 2, address: sock, protocol: 'ttrpc' });
    const v5 = await launch([...flags(addr, 'ns1', 'c3'), 'start'], { env: { MAX_SHIM_VERSION: '5' } });
    expect(JSON.parse(v5.stdout.toString()).version).toBe(3);
    expect(connects.map((c) => c.id)).toEqual(['c1', 'c2', 'c3']);
  });

  it('start with no live shim: starts the daemon itself (flags as Node gives them, -socket, serve) and prints its address', async () => {
    const addr = address();
    const sock = socketAddress(addr, 'ns5', 'runj:namespace:ns5');
    const bundle = fs.mkdtempSync(path.join(dir, 'bundle-'));
    const r = await launch([...flags(addr, 'ns5', 'c1', bundle), '-debug', 'start'], { env: { ANSWER: 'ok' } });
    expect([r.status, r.stdout.toString(), r.node]).toEqual([0, sock, undefined]);
    const script = path.join(REPO, 'dist/containerd-shim-runj-v1.cjs');
    const serve = ['-namespace', 'ns5', '-id', 'c1', '-address', addr, '-publish-binary', '/usr/bin/containerd', '-bundle', bundle, '-socket', sock, '-debug', 'serve'];
    expect(r.serve).toEqual(['--no-warnings', script, ...serve]);
    // A daemon that fails (or says nothing): the Node shim's start tries again and reports why.
    const failed = await launch([...flags(addr, 'ns5', 'c2', bundle), 'start'], { env: { ANSWER: 'error no way' } });
    expect(failed.stdout.toString()).toBe('from-node\n');
  });

  it('bad input reaches the Node shim, which refuses it by name; no shim or socket is left', async () => {
    const real = { RUNJ_NODE: '' }; // node from PATH: the real shim answers
    const noNs = await launch(['-address', address(), '-id', 'c1', 'start'], { env: real });
    expect([noNs.status, noNs.stdout.toString(), noNs.stderr]).toEqual([1, '', 'containerd-shim-runj-v1: -namespace is required\n']);
    const addr = address();
    const linger = await launch([...flags(addr, 'ns6', 'c1'), 'start'], { env: { ...real, RUNJ_SHIM_LINGER: 'soon' } });
    expect([linger.status, linger.stdout.toString()]).toEqual([1, '']);
    expect(linger.stderr).toContain('RUNJ_SHIM_LINGER=soon: expected seconds from 0 to 86400');
    const sock = socketPath(socketAddress(addr, 'ns6', 'runj:namespace:ns6'));
    expect(fs.existsSync(sock)).toBe(false);
    const left = spawnSync('pgrep', ['-f', addr], { encoding: 'utf8' }).stdout.trim();
    expect(left).toBe('');
  });

  it('start: Node decides whenever the launcher cannot be sure, with the same argv and stdin', async () => {
    const addr = address();
    const { connects } = await liveShim(addr, 'ns2');
    const args = [...flags(addr, 'ns2', 'c1'), 'start'];
    const viaNode = (r: Awaited<ReturnType<typeof launch>>) => {
      expect(r.stdout.toString()).toBe('from-node\n');
      expect(r.node?.slice(0, 2)).toEqual(['--no-warnings', path.join(REPO, 'dist/containerd-shim-runj-v1.cjs')]);
      return r.node?.slice(2);
    };
    // A 2.3 bootstrap (or runtime options) on stdin: Node reads exactly those bytes.
    const params = BootstrapParams.encode({ instanceId: 'c1', namespace: 'ns2', logLevel: 'info', socketDir: '/run/containerd/s' });
    expect(viaNode(await launch(args, { input: params }))).toEqual(args);
    expect(fs.readFileSync(path.join(dir, 'stdin'))).toEqual(Buffer.from(params));
    // Another grouping, a pod's container, an unknown flag, no live shim, a shim that refuses the join.
    expect(viaNode(await launch(args, { env: { RUNJ_SHIM_GROUP: 'container' } }))).toEqual(args);
    const pod = fs.mkdtempSync(path.join(dir, 'pod-'));
    fs.writeFileSync(path.join(pod, 'config.json'), JSON.stringify({ annotations: { 'io.kubernetes.cri.sandbox-id': 'p1' } }));
    viaNode(await launch([...flags(addr, 'ns2', 'c1', pod), 'start']));
    viaNode(await launch(['-namespace', 'ns2', '-address', addr, '-id', 'c1', '-newflag', 'x', 'start']));
    viaNode(await launch([...flags(address(), 'ns2', 'c1'), 'start']));
    const refusing = address();
    const r = await liveShim(refusing, 'ns3', true);
    viaNode(await launch([...flags(refusing, 'ns3', 'c1'), 'start']));
    expect(r.connects).toHaveLength(1);
    expect(connects).toHaveLength(0); // none of those joined the ns2 shim
  });

  it('delete: answers alone when nothing is left, as the Node shim would; else Node cleans up', async () => {
    const addr = address();
    const bundle = fs.mkdtempSync(path.join(dir, 'bundle-'));
    fs.mkdirSync(path.join(bundle, 'rootfs'));
    const args = [...flags(addr, 'ns4', 'c1', bundle), 'delete'];
    const before = Date.now();
    const alone = await launch(args);
    expect([alone.status, alone.node, alone.stderr]).toEqual([0, undefined, '']);
    const reply = DeleteResponse.decode(new Uint8Array(alone.stdout));
    expect([reply.pid, reply.exitStatus]).toEqual([0, 137]);
    const at = Number(reply.exitedAt?.seconds) * 1000 + Number(reply.exitedAt?.nanos) / 1e6;
    expect(at).toBeGreaterThanOrEqual(before - 1000);
    expect(at).toBeLessThanOrEqual(Date.now() + 1000);
    // A live namespace shim (one lingering, or serving others) is no reason for Node.
    await liveShim(addr, 'ns4');
    expect((await launch(args)).node).toBeUndefined();
    const viaNode = async () => expect((await launch(args)).stdout.toString()).toBe('from-node\n');
    // The runtime knows the container, or a create of it was under way.
    const root = path.join(dir, 'root', 'ns4');
    fs.mkdirSync(path.join(root, 'c1'), { recursive: true });
    await viaNode();
    fs.rmSync(path.join(root, 'c1'), { recursive: true });
    fs.mkdirSync(path.join(root, '.creating~c1~1~0123abcd'));
    await viaNode();
    fs.rmSync(path.join(root, '.creating~c1~1~0123abcd'), { recursive: true });
    fs.mkdirSync(path.join(root, 'c10')); // another container's state is not this one's
    expect((await launch(args)).node).toBeUndefined();
    // Something mounted on the rootfs (or below it).
    expect(spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', path.join(bundle, 'rootfs')]).status).toBe(0);
    try {
      await viaNode();
    } finally {
      spawnSync('umount', [path.join(bundle, 'rootfs')]);
    }
    // A dead shim's socket of the container's own group: Node removes it.
    const own = socketPath(socketAddress(addr, 'ns4', 'c1'));
    fs.writeFileSync(own, '');
    try {
      await viaNode();
    } finally {
      fs.rmSync(own, { force: true });
    }
  });
});
