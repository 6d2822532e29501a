/**
 * Update, Stats and Checkpoint of the Task service over the runtime with the
 * fake backend: Update's LinuxResources JSON reaches the backend's update (a
 * wrong field is refused by name), Stats turns the runtime's stats into
 * containerd's v1 or v2 cgroup metrics, Checkpoint is Unimplemented.
 */
import * as fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type TaskDeps, taskHandlers } from '../../../src/shim/handlers.js';
import { MetricsV1, MetricsV2 } from '../../../src/shim/proto/metrics.js';
import { SPEC_TYPE_PREFIX } from '../../../src/shim/proto/wkt.js';
import { resourceHandlers } from '../../../src/shim/resources.js';
import type { OpenStdio } from '../../../src/shim/stdio.js';
import type { CallContext } from '../../../src/shim/ttrpc/service.js';
import { Code, StatusError, toStatus } from '../../../src/shim/ttrpc/status.js';
import { makeBundle } from '../fakes/bundle.js';
import { FakeHost } from '../fakes/host.js';

const call = {} as CallContext;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** What runc's `events --stats` (and the runtime's stats) look like on a cgroup v2 host. */
const RUNC_STATS = {
  cpu: { usage: { total: 5_000_123_000, kernel: 1_000_000_000, user: 4_000_000_000, percpu: [3_000_000_000, 2_000_123_000] }, throttling: { periods: 10, throttledPeriods: 2, throttledTime: 7_000_000 } },
  memory: {
    cache: 4096,
    usage: { usage: 8_388_608, limit: 67_108_864, max: 9_000_000, failcnt: 1 },
    swap: { usage: 12_288, limit: 134_217_728 },
    raw: { anon: 1_048_576, file: 4096, pgfault: 321, pgmajfault: 2, rss: 777, total_cache: 4096, hierarchical_memory_limit: 67_108_864 },
  },
  pids: { current: 3, limit: 32 },
  blkio: {
    ioServiceBytesRecursive: [
      { major: 8, minor: 0, op: 'Read', value: 4096 },
      { major: 8, minor: 0, op: 'Write', value: 8192 },
      { major: 253, minor: 1, op: 'Write', value: 512 },
    ],
    ioServicedRecursive: [
      { major: 8, minor: 0, op: 'Read', value: 1 },
      { major: 8, minor: 0, op: 'Write', value: 2 },
      { major: 253, minor: 1, op: 'Write', value: 1 },
    ],
  },
};

async function setUp() {
  const host = new FakeHost();
  const ctx = await host.context();
  const stdio = (): OpenStdio => ({ fds: [0, 1, 2], attach() {}, release() {}, started() {}, closeStdin() {}, close: async () => {} });
  const deps: TaskDeps = { ctx, publish() {}, spawnHelper: (n) => host.spawnHelper(n), shutdown() {}, mount: async () => {}, unmount: async () => {}, open: stdio };
  const bundle = makeBundle();
  dirs.push(bundle, host.root);
  const h = taskHandlers(deps);
  const { pid } = await h.Create!({ id: 'c1', bundle, rootfs: [], terminal: false, stdin: '', stdout: '', stderr: '', checkpoint: '', parentCheckpoint: '', options: undefined }, call);
  await h.Start!({ id: 'c1', execId: '' }, call);
  const known = (id: string) => {
    if (!h.tasks.has(id)) throw new StatusError(Code.NotFound, `container ${id}: not found`);
    return id;
  };
  return { host, ctx, h, pid: pid as number, v1: resourceHandlers(ctx, known, () => 'v1'), v2: resourceHandlers(ctx, known, () => 'v2') };
}

const err = (f: () => unknown) => Promise.resolve().then(f).then(() => undefined, (e: unknown) => e as StatusError);
const resources = (json: string, typeUrl = `${SPEC_TYPE_PREFIX}LinuxResources`) => ({ typeUrl, value: new Uint8Array(Buffer.from(json)) });

describe('shim Update', () => {
  it("applies the LinuxResources JSON through the runtime's update; annotations are ignored", async () => {
    const { host, h } = await setUp();
    const doc = { memory: { limit: 67108864, swap: -1 }, cpu: { shares: 512, cpus: '0' }, pids: { limit: 64 }, unified: { 'memory.high': '1000000' } };
    expect(await h.Update!({ id: 'c1', resources: resources(JSON.stringify(doc)), annotations: { 'io.x': 'y' } }, call)).toEqual({});
    expect(host.sandbox.jails.get('c1')?.resources).toEqual([doc]);
    expect(host.events.filter((e) => e.startsWith('sandbox.update'))).toEqual(['sandbox.update c1']);
  });

  it.each([
    [undefined, 'update: resources: missing (an Any holding the OCI LinuxResources)'],
    [resources('{}', `${SPEC_TYPE_PREFIX}Process`), `update: resources: Any holds ${SPEC_TYPE_PREFIX}Process, expected ${SPEC_TYPE_PREFIX}LinuxResources`],
    [resources('{"memory":'), 'update: resources: '],
    [resources('[1]'), 'update: resources: must be a JSON object'],
    [resources('{"memory":{"limit":"64m"}}'), 'update: resources.memory.limit: must be an integer, not "64m"'],
    [resources('{"cpu":{"shares":-2}}'), 'update: resources.cpu.shares: must be a non-negative integer, not -2'],
    [resources('{"cpu":{"cpus":0}}'), 'update: resources.cpu.cpus: must be a string, not 0'],
    [resources('{"pids":7}'), 'update: resources.pids: must be an object'],
    [resources('{"devices":{}}'), 'update: resources.devices: must be an array'],
  ])('refuses bad resources naming the field (%#)', async (any, message) => {
    const { host, h } = await setUp();
    const e = await err(() => h.Update!({ id: 'c1', resources: any, annotations: {} }, call));
    expect(e?.code).toBe(Code.InvalidArgument);
    expect(e?.message.startsWith(message)).toBe(true);
    expect(host.sandbox.jails.get('c1')?.resources).toEqual([]);
  });

  it('an unknown container is NotFound; a stopped one is refused by the runtime', async () => {
    const { host, h, pid } = await setUp();
    expect((await err(() => h.Update!({ id: 'nope', resources: resources('{}'), annotations: {} }, call)))?.code).toBe(Code.NotFound);
    host.exit(host.procs.get(pid)!, { code: 0, signal: null });
    await h.Wait!({ id: 'c1', execId: '' }, call);
    const e = await err(() => h.Update!({ id: 'c1', resources: resources('{"pids":{"limit":5}}'), annotations: {} }, call));
    expect(toStatus(e).code).toBe(Code.FailedPrecondition);
  });
});

describe('shim Stats', () => {
  it("cgroup v2: io.containerd.cgroups.v2.Metrics from the runtime's stats", async () => {
    const { host, v2 } = await setUp();
    host.sandbox.stats = () => RUNC_STATS;
    const { stats } = (await v2.Stats({ id: 'c1' }, call)) as { stats: { typeUrl: string; value: Uint8Array } };
    expect(stats.typeUrl).toBe('io.containerd.cgroups.v2.Metrics');
    const m = MetricsV2.decode(stats.value);
    expect(m.pids).toEqual({ current: 3, limit: 32 });
    expect(m.cpu).toEqual({ usageUsec: 5_000_123, userUsec: 4_000_000, systemUsec: 1_000_000, nrPeriods: 10, nrThrottled: 2, throttledUsec: 7000 });
    expect([m.memory?.usage, m.memory?.usageLimit, m.memory?.swapUsage, m.memory?.swapLimit]).toEqual([8_388_608, 67_108_864, 12_288, 134_217_728]);
    expect([m.memory?.anon, m.memory?.file, m.memory?.pgfault, m.memory?.pgmajfault, m.memory?.slab]).toEqual([1_048_576, 4096, 321, 2, 0]);
    expect(m.io?.usage).toEqual([
      { major: 8, minor: 0, rbytes: 4096, wbytes: 8192, rios: 1, wios: 2 },
      { major: 253, minor: 1, rbytes: 0, wbytes: 512, rios: 0, wios: 1 },
    ]);
  });

  it('cgroup v1: io.containerd.cgroups.v1.Metrics, memory and cpu usage always present (ctr reads them)', async () => {
    const { host, v1 } = await setUp();
    host.sandbox.stats = () => RUNC_STATS;
    const { stats } = (await v1.Stats({ id: 'c1' }, call)) as { stats: { typeUrl: string; value: Uint8Array } };
    expect(stats.typeUrl).toBe('io.containerd.cgroups.v1.Metrics');
    const m = MetricsV1.decode(stats.value);
    expect(m.cpu?.usage).toEqual({ total: 5_000_123_000, kernel: 1_000_000_000, user: 4_000_000_000, perCpu: [3_000_000_000, 2_000_123_000] });
    expect(m.memory?.usage).toEqual({ usage: 8_388_608, limit: 67_108_864, max: 9_000_000, failcnt: 1 });
    expect([m.memory?.cache, m.memory?.rss, m.memory?.total_cache, m.memory?.hierarchical_memory_limit]).toEqual([4096, 777, 4096, 67_108_864]);
    expect(m.blkio?.ioServiceBytesRecursive[1]).toEqual({ op: 'Write', device: '', major: 8, minor: 0, value: 8192 });

    // The fake's own stats: pids only. ctr's table still finds memory.usage and cpu.usage.
    delete (host.sandbox as { stats?: unknown }).stats;
    const bare = MetricsV1.decode(((await v1.Stats({ id: 'c1' }, call)) as { stats: { value: Uint8Array } }).stats.value);
    expect([bare.pids?.current, bare.memory?.usage, bare.cpu?.usage?.total]).toEqual([1, { usage: 0, limit: 0, max: 0, failcnt: 0 }, 0]);
  });

  it("v1's unlimited memory (2^63-4096, past 2^53) goes out exactly", async () => {
    const { host, v1 } = await setUp();
    host.sandbox.stats = () => ({ memory: { usage: { usage: 1, limit: 2 ** 63 - 4096 } } });
    const { value } = ((await v1.Stats({ id: 'c1' }, call)) as { stats: { value: Uint8Array } }).stats;
    // memory(4) { usage(33) { limit(1) = 0x7ffffffffffff000, usage(2) = 1 } }: the limit's varint ends 80 e0 ff ff ff ff ff ff 7f.
    expect(Buffer.from(value).toString('hex')).toContain('8a020c08' + '80e0ffffffffffff7f' + '1001');
  });

  it('no statistics (no cgroup) is NotFound; an unknown container too', async () => {
    const { host, v2 } = await setUp();
    host.sandbox.stats = () => ({});
    expect((await err(() => v2.Stats({ id: 'c1' }, call)))?.message).toBe('container c1: no resource statistics (no cgroup, or no rctl accounting)');
    expect((await err(() => v2.Stats({ id: 'nope' }, call)))?.code).toBe(Code.NotFound);
  });

  it('FreeBSD rctl usage (the same shape, fewer fields) maps to v2', async () => {
    const { host, v2 } = await setUp();
    host.sandbox.stats = () => ({ cpu: { usage: { total: 3e9 } }, memory: { usage: { usage: 4096, limit: 1 << 20 } }, pids: { current: 2, limit: 10 } });
    const m = MetricsV2.decode(((await v2.Stats({ id: 'c1' }, call)) as { stats: { value: Uint8Array } }).stats.value);
    expect([m.cpu?.usageUsec, m.memory?.usage, m.memory?.usageLimit, m.pids?.current, m.pids?.limit, m.io?.usage]).toEqual([3_000_000, 4096, 1 << 20, 2, 10, []]);
  });
});

describe('shim Checkpoint', () => {
  it('is Unimplemented, saying what is missing', async () => {
    const { h } = await setUp();
    const e = await err(() => h.Checkpoint!({ id: 'c1', path: '/ck', options: undefined }, call));
    expect([e?.code, e?.message]).toEqual([Code.Unimplemented, 'checkpoint c1: not implemented: runj has no checkpoint/restore (no CRIU, and nothing like it for jails)']);
    expect((await err(() => h.Checkpoint!({ id: 'nope', path: '/ck', options: undefined }, call)))?.code).toBe(Code.NotFound);
  });
});
