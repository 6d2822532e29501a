/**
 * Create's rootfs through the runtime and the host's backend (the recording
 * FakeSandbox here): mounted on <bundle>/rootfs before the container is
 * created, unmounted after Delete and after a failed Create, and never
 * touched when containerd gave no mounts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RuntimeError } from '../../../src/core/errors.js';
import { taskHandlers } from '../../../src/shim/handlers.js';
import type { Mount } from '../../../src/shim/proto/task.js';
import type { OpenStdio } from '../../../src/shim/stdio.js';
import type { CallContext } from '../../../src/shim/ttrpc/service.js';
import { makeBundle } from '../fakes/bundle.js';
import { FakeHost } from '../fakes/host.js';

const call = {} as CallContext;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function setUp() {
  const host = new FakeHost();
  const ctx = await host.context();
  const stdio = (): OpenStdio => ({ fds: [0, 1, 2], attach() {}, release() {}, started() {}, closeStdin() {}, close: async () => {} });
  const h = taskHandlers({ ctx, publish() {}, spawnHelper: (n) => host.spawnHelper(n), shutdown() {}, open: stdio });
  const bundle = makeBundle();
  dirs.push(bundle, host.root);
  const create = (rootfs: Mount[]) =>
    h.Create!({ id: 'c1', bundle, rootfs, terminal: false, stdin: '', stdout: '', stderr: '', checkpoint: '', parentCheckpoint: '', options: undefined }, call);
  const backendCalls = () => host.events.filter((e) => /^sandbox\.(mountRootfs|unmountRootfs|prepare|setUp|tearDown)/.test(e));
  return { host, h, bundle, create, backendCalls };
}

const snapshot: Mount = { type: 'nullfs', source: '/var/lib/containerd/snapshots/5', target: '', options: ['rw'] };

describe('the shim\'s rootfs through the backend', () => {
  it('Create mounts it on <bundle>/rootfs before the container exists; Delete unmounts it after the teardown', async () => {
    const { host, h, bundle, create, backendCalls } = await setUp();
    const { pid } = await create([snapshot]);
    const target = path.join(bundle, 'rootfs');
    expect(host.sandbox.rootfs.get(target)).toEqual([snapshot]);
    await h.Start!({ id: 'c1', execId: '' }, call);
    host.exit(host.procs.get(pid as number)!, { code: 0, signal: null });
    await h.Delete!({ id: 'c1', execId: '' }, call);
    expect(backendCalls()).toEqual([
      `sandbox.mountRootfs ${target} nullfs:/var/lib/containerd/snapshots/5`,
      'sandbox.prepare c1',
      'sandbox.setUp c1',
      'sandbox.tearDown c1',
      `sandbox.unmountRootfs ${target}`,
    ]);
    expect(host.sandbox.rootfs.size).toBe(0);
  });

  it('a failed create unmounts the rootfs it mounted', async () => {
    const { host, create, backendCalls } = await setUp();
    host.script = { errorAt: 'hooks' };
    await expect(create([snapshot])).rejects.toThrow('OCI runtime create failed');
    expect(backendCalls().at(-1)).toMatch(/^sandbox\.unmountRootfs /);
    expect(host.sandbox.rootfs.size).toBe(0);
  });

  it('a failed mount fails Create before the runtime reads the bundle', async () => {
    const { host, h, create, backendCalls } = await setUp();
    host.sandbox.failOn.set('mountRootfs', new RuntimeError('EUNSUPPORTED', 'rootfs mount 0 (overlay overlay): type "overlay" is not supported on FreeBSD'));
    await expect(create([{ ...snapshot, type: 'overlay' }])).rejects.toThrow('type "overlay" is not supported');
    expect(backendCalls().map((e) => e.split(' ')[0])).toEqual(['sandbox.mountRootfs']);
    expect(h.tasks.size).toBe(0);
  });

  it('without mounts (the bundle\'s own rootfs) nothing is mounted, nor unmounted when create fails', async () => {
    const { host, h, create, backendCalls } = await setUp();
    host.script = { errorAt: 'hooks' };
    await expect(create([])).rejects.toThrow('OCI runtime create failed');
    const { pid } = await create([]);
    await h.Start!({ id: 'c1', execId: '' }, call);
    host.exit(host.procs.get(pid as number)!, { code: 0, signal: null });
    await h.Delete!({ id: 'c1', execId: '' }, call);
    expect(backendCalls().filter((e) => e.includes('Rootfs'))).toEqual([]);
  });
});
