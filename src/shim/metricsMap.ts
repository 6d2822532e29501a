/**
 * The runtime's stats (runc's `events --stats` shape: cpu.usage in ns,
 * memory.usage/swap entries, memory.raw = memory.stat, pids, blkio entries
 * with op Read/Write) → containerd's cgroup metrics in an Any.
 *
 * v2 (io.containerd.cgroups.v2.Metrics): usage_usec/user_usec/system_usec =
 * total/user/kernel ns ÷ 1000; nr_periods, nr_throttled, throttled_usec from
 * throttling; memory.usage/usage_limit/swap_usage/swap_limit from the usage
 * and swap entries, the other memory fields from raw by their memory.stat
 * names; io.usage one entry per major:minor from blkio (service bytes →
 * rbytes/wbytes, serviced → rios/wios).
 * v1 (io.containerd.cgroups.v1.Metrics): the same numbers in v1's places
 * (cpu ns, memory entries, raw by name, blkio entries as they are). ctr's
 * table reads memory.usage and cpu.usage unconditionally, so both are always
 * present.
 * FreeBSD's rctl usage arrives in the same shape (cputime as cpu total,
 * memoryuse as memory usage, the memoryuse deny rule as its limit, maxproc
 * and its rule as pids) and goes out as v2: racct has no user/system split,
 * no throttling counters and only I/O rates, so those fields stay zero.
 */
import { MetricsV1, MetricsV2, V1_MEMORY_STAT_KEYS, V2_MEMORY_STAT_KEYS } from './proto/metrics.js';
import { type Any, packAny } from './proto/wkt.js';

export type CgroupMetricsMode = 'v1' | 'v2';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
/** A counter as protobuf uint64 takes it: non-negative and integral (anything else is 0). */
const u = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.round(v) : 0);
const usec = (ns: unknown) => Math.floor(u(ns) / 1000);

interface Entry {
  major: number;
  minor: number;
  op: string;
  value: number;
}
const entries = (v: unknown): Entry[] =>
  (Array.isArray(v) ? v : []).map((e) => {
    const o = obj(e);
    return { major: u(o.major), minor: u(o.minor), op: typeof o.op === 'string' ? o.op : '', value: u(o.value) };
  });

function fromRaw<K extends string>(raw: Obj, keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, u(raw[k])])) as Record<K, number>;
}

function memoryEntry(v: unknown) {
  const o = obj(v);
  return { limit: u(o.limit), usage: u(o.usage), max: u(o.max), failcnt: u(o.failcnt) };
}

export function toMetricsV2(data: Obj): Parameters<typeof MetricsV2.encode>[0] {
  const cpu = obj(data.cpu);
  const usage = obj(cpu.usage);
  const throttling = obj(cpu.throttling);
  const memory = obj(data.memory);
  const blkio = obj(data.blkio);
  const devices = new Map<string, { major: number; minor: number; rbytes: number; wbytes: number; rios: number; wios: number }>();
  const add = (list: unknown, read: 'rbytes' | 'rios', write: 'wbytes' | 'wios') => {
    for (const e of entries(list)) {
      const op = e.op.toLowerCase();
      if (op !== 'read' && op !== 'write') continue;
      const key = `${e.major}:${e.minor}`;
      const d = devices.get(key) ?? { major: e.major, minor: e.minor, rbytes: 0, wbytes: 0, rios: 0, wios: 0 };
      d[op === 'read' ? read : write] += e.value;
      devices.set(key, d);
    }
  };
  add(blkio.ioServiceBytesRecursive, 'rbytes', 'wbytes');
  add(blkio.ioServicedRecursive, 'rios', 'wios');
  const pids = obj(data.pids);
  return {
    pids: { current: u(pids.current), limit: u(pids.limit) },
    cpu: {
      usageUsec: usec(usage.total),
      userUsec: usec(usage.user),
      systemUsec: usec(usage.kernel),
      nrPeriods: u(throttling.periods),
      nrThrottled: u(throttling.throttledPeriods),
      throttledUsec: usec(throttling.throttledTime),
    },
    memory: {
      ...fromRaw(obj(memory.raw), V2_MEMORY_STAT_KEYS),
      usage: u(obj(memory.usage).usage),
      usageLimit: u(obj(memory.usage).limit),
      swapUsage: u(obj(memory.swap).usage),
      swapLimit: u(obj(memory.swap).limit),
    },
    io: { usage: [...devices.values()] },
  };
}

export function toMetricsV1(data: Obj): Parameters<typeof MetricsV1.encode>[0] {
  const cpu = obj(data.cpu);
  const usage = obj(cpu.usage);
  const throttling = obj(cpu.throttling);
  const memory = obj(data.memory);
  const raw = obj(memory.raw);
  const blkio = obj(data.blkio);
  const pids = obj(data.pids);
  const blk = (list: unknown) => entries(list).map((e) => ({ ...e, device: '' }));
  return {
    pids: { current: u(pids.current), limit: u(pids.limit) },
    cpu: {
      usage: { total: u(usage.total), kernel: u(usage.kernel), user: u(usage.user), perCpu: (Array.isArray(usage.percpu) ? usage.percpu : []).map(u) },
      throttling: { periods: u(throttling.periods), throttledPeriods: u(throttling.throttledPeriods), throttledTime: u(throttling.throttledTime) },
    },
    memory: {
      ...fromRaw(raw, V1_MEMORY_STAT_KEYS),
      cache: u(memory.cache ?? raw.cache),
      usage: memoryEntry(memory.usage),
      swap: memoryEntry(memory.swap),
      kernel: memoryEntry(memory.kernel),
      kernelTcp: memoryEntry(memory.kernelTCP),
    },
    blkio: { ioServiceBytesRecursive: blk(blkio.ioServiceBytesRecursive), ioServicedRecursive: blk(blkio.ioServicedRecursive) },
  };
}

/** Stats' answer: the metrics message for the host's cgroup mode, packed under its proto name. */
export function toMetrics(data: Obj, mode: CgroupMetricsMode): Any {
  return mode === 'v1' ? packAny(MetricsV1, toMetricsV1(data)) : packAny(MetricsV2, toMetricsV2(data));
}
