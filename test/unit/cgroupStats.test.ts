/**
 * The Linux backend's stats (runc's `events --stats` shape) from cgroup
 * control files as the kernel writes them, v2 and v1: what `runj events
 * --stats` prints and the shim turns into containerd's metrics.
 */
import { describe, expect, it } from 'vitest';
import { type ReadControl, statsFromFiles } from '../../src/platform/linux/cgroupStats.js';

const files = (m: Record<string, string>): ReadControl => (controller, file) => m[`${controller}/${file}`];

describe('cgroup stats', () => {
  it('v2: cpu.stat in µs → ns, memory.current/max/peak, swap, memory.stat as raw, io.stat as Read/Write entries', () => {
    const s = statsFromFiles(
      files({
        'cpu/cpu.stat': 'usage_usec 5000123\nuser_usec 4000000\nsystem_usec 1000123\nnr_periods 10\nnr_throttled 2\nthrottled_usec 7000',
        'memory/memory.current': '8388608',
        'memory/memory.max': 'max',
        'memory/memory.peak': '9000000',
        'memory/memory.swap.current': '0',
        'memory/memory.swap.max': '134217728',
        'memory/memory.stat': 'anon 1048576\nfile 4096\npgfault 321',
        'pids/pids.current': '3',
        'pids/pids.max': '32',
        'io/io.stat': '8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n253:1 rbytes=0 wbytes=512 rios=0 wios=1 dbytes=0 dios=0',
      }),
      true,
    );
    expect(s).toEqual({
      cpu: {
        usage: { total: 5_000_123_000, kernel: 1_000_123_000, user: 4_000_000_000 },
        throttling: { periods: 10, throttledPeriods: 2, throttledTime: 7_000_000 },
      },
      memory: {
        cache: 4096,
        usage: { usage: 8_388_608, limit: 0, max: 9_000_000 },
        swap: { usage: 0, limit: 134_217_728 },
        raw: { anon: 1_048_576, file: 4096, pgfault: 321 },
      },
      pids: { current: 3, limit: 32 },
      blkio: {
        ioServiceBytesRecursive: [
          { major: 8, minor: 0, op: 'Read', value: 4096 },
          { major: 8, minor: 0, op: 'Write', value: 8192 },
          { major: 253, minor: 1, op: 'Read', value: 0 },
          { major: 253, minor: 1, op: 'Write', value: 512 },
        ],
        ioServicedRecursive: [
          { major: 8, minor: 0, op: 'Read', value: 1 },
          { major: 8, minor: 0, op: 'Write', value: 2 },
          { major: 253, minor: 1, op: 'Read', value: 0 },
          { major: 253, minor: 1, op: 'Write', value: 1 },
        ],
      },
    });
  });

  it('v1: cpuacct (ticks of 1/100 s → ns, percpu), cpu.stat throttling, memory entries, blkio (throttle files first, no Total line)', () => {
    const s = statsFromFiles(
      files({
        'cpuacct/cpuacct.usage': '5000123000',
        'cpuacct/cpuacct.usage_percpu': '3000000000 2000123000 ',
        'cpuacct/cpuacct.stat': 'user 400\nsystem 100',
        'cpu/cpu.stat': 'nr_periods 10\nnr_throttled 2\nthrottled_time 7000000',
        'memory/memory.usage_in_bytes': '8388608',
        'memory/memory.limit_in_bytes': '9223372036854771712',
        'memory/memory.max_usage_in_bytes': '9000000',
        'memory/memory.failcnt': '1',
        'memory/memory.stat': 'cache 4096\nrss 777\ntotal_cache 8192',
        'pids/pids.current': '3',
        'pids/pids.max': 'max',
        'blkio/blkio.throttle.io_service_bytes_recursive': '8:0 Read 4096\n8:0 Write 8192\n8:0 Total 12288\nTotal 12288',
        'blkio/blkio.io_service_bytes_recursive': '8:0 Read 1',
        'blkio/blkio.throttle.io_serviced_recursive': '8:0 Read 1\nTotal 1',
      }),
      false,
    );
    expect(s.cpu).toEqual({
      usage: { total: 5_000_123_000, percpu: [3_000_000_000, 2_000_123_000], kernel: 1_000_000_000, user: 4_000_000_000 },
      throttling: { periods: 10, throttledPeriods: 2, throttledTime: 7_000_000 },
    });
    expect(s.memory).toEqual({
      cache: 8192,
      usage: { usage: 8_388_608, limit: 2 ** 63 - 4096, max: 9_000_000, failcnt: 1 },
      swap: { usage: 0, limit: 0, max: 0, failcnt: 0 },
      kernel: { usage: 0, limit: 0, max: 0, failcnt: 0 },
      raw: { cache: 4096, rss: 777, total_cache: 8192 },
    });
    expect(s.pids).toEqual({ current: 3, limit: 0 });
    expect(s.blkio).toEqual({
      ioServiceBytesRecursive: [
        { major: 8, minor: 0, op: 'Read', value: 4096 },
        { major: 8, minor: 0, op: 'Write', value: 8192 },
        { major: 8, minor: 0, op: 'Total', value: 12288 },
      ],
      ioServicedRecursive: [{ major: 8, minor: 0, op: 'Read', value: 1 }],
    });
  });

  it('a cgroup with no readable files gives zeros, not an error', () => {
    const s = statsFromFiles(() => undefined, true) as { cpu: { usage: { total: number } }; blkio: { ioServiceBytesRecursive: unknown[] } };
    expect([s.cpu.usage.total, s.blkio.ioServiceBytesRecursive]).toEqual([0, []]);
  });
});
