/**
 * Stats and Update against containerd's own Go code (test/interop/shimpeer
 * metrics-golden, Debian's containerd 1.6 and containerd/cgroups): runtime
 * stats in runc's shape, mapped and encoded by the shim, give the bytes
 * containerd's cgroups packages write for the same metrics; the Any
 * containerd packs for Update decodes to the LinuxResources it was given.
 * The values are typed again on each side.
 */
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { toMetrics } from '../../../src/shim/metricsMap.js';
import { Any } from '../../../src/shim/proto/wkt.js';
import { decodeResources } from '../../../src/shim/resources.js';
import { shimPeer } from '../../interop/shimpeer.js';

const cpu = { usage: { total: 5_000_123_000, kernel: 1_000_000_000, user: 4_000_000_000, percpu: [3_000_000_000, 2_000_123_000] }, throttling: { periods: 10, throttledPeriods: 2, throttledTime: 7_000_000 } };
const pids = { current: 3, limit: 32 };

const v2Stats = {
  cpu,
  pids,
  memory: {
    usage: { usage: 8_388_608, limit: 67_108_864 },
    swap: { usage: 12_288, limit: 134_217_728 },
    raw: { anon: 1_048_576, file: 4096, pgfault: 321, pgmajfault: 2, thp_collapse_alloc: 5, not_a_field: 99 },
  },
  blkio: {
    ioServiceBytesRecursive: [
      { major: 8, minor: 0, op: 'Read', value: 4096 },
      { major: 8, minor: 0, op: 'Write', value: 8192 },
      { major: 253, minor: 1, op: 'Write', value: 512 },
      { major: 8, minor: 0, op: 'Total', value: 12288 },
    ],
    ioServicedRecursive: [
      { major: 8, minor: 0, op: 'Read', value: 1 },
      { major: 8, minor: 0, op: 'Write', value: 2 },
      { major: 253, minor: 1, op: 'Write', value: 1 },
    ],
  },
};

const v1Stats = {
  cpu,
  pids,
  memory: {
    cache: 4096,
    usage: { usage: 8_388_608, limit: 2 ** 63 - 4096, max: 9_000_000, failcnt: 1 },
    swap: { usage: 12_288, limit: 134_217_728 },
    raw: { rss: 777, pgpgin: 9, hierarchical_memsw_limit: 11, total_cache: 4096, total_unevictable: 13 },
  },
  blkio: {
    ioServiceBytesRecursive: [
      { major: 8, minor: 0, op: 'Read', value: 4096 },
      { major: 8, minor: 0, op: 'Write', value: 8192 },
    ],
    ioServicedRecursive: [{ major: 8, minor: 0, op: 'Read', value: 1 }],
  },
};

describe('Stats and Update encodings match containerd 1.6 Go code', () => {
  let golden: Record<string, string>;
  beforeAll(() => {
    golden = JSON.parse(execFileSync(shimPeer(), ['metrics-golden'], { encoding: 'utf8' }));
  }, 900_000);

  it('cgroup v2 metrics: the same bytes under the same type URL', () => {
    const any = toMetrics(v2Stats, 'v2');
    expect(any.typeUrl).toBe(golden.MetricsV2TypeURL);
    expect(Buffer.from(any.value).toString('hex')).toBe(golden.MetricsV2);
  });

  it('cgroup v1 metrics: the same bytes under the same type URL (a limit past 2^53 included)', () => {
    const any = toMetrics(v1Stats, 'v1');
    expect(any.typeUrl).toBe(golden.MetricsV1TypeURL);
    expect(Buffer.from(any.value).toString('hex')).toBe(golden.MetricsV1);
  });

  it("containerd's Update Any decodes to the LinuxResources it packed", () => {
    const any = Any.decode(Buffer.from(golden.UpdateAny!, 'hex'));
    expect(decodeResources(any)).toEqual({ memory: { limit: 67108864 }, pids: { limit: 32 } });
  });
});
