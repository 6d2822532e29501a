/**
 * containerd's task metrics, what Stats answers in an Any under the bare
 * proto name: io.containerd.cgroups.v2.Metrics on cgroup v2 hosts (and for
 * FreeBSD's rctl usage), io.containerd.cgroups.v1.Metrics on v1 hosts. Field
 * numbers are those of containerd/cgroups (v2/stats/metrics.proto and
 * stats/v1/metrics.proto); only the messages the shim fills are defined
 * (rdma, hugetlb, network and the like are left out: unknown to a reader is
 * absent). Memory stat fields are named as the kernel's memory.stat keys, so
 * a stats `raw` map fills them by name.
 */
import { type MessageOf, f, message } from './message.js';

const V2 = 'io.containerd.cgroups.v2.';

export const PidsStatV2 = message(`${V2}PidsStat`, { current: f.uint64(1), limit: f.uint64(2) });
export const CPUStatV2 = message(`${V2}CPUStat`, {
  usageUsec: f.uint64(1),
  userUsec: f.uint64(2),
  systemUsec: f.uint64(3),
  nrPeriods: f.uint64(4),
  nrThrottled: f.uint64(5),
  throttledUsec: f.uint64(6),
});

/** memory.stat keys in field order (1..31), then usage, usage_limit, swap_usage, swap_limit (32..35). */
export const V2_MEMORY_STAT_KEYS = [
  'anon', 'file', 'kernel_stack', 'slab', 'sock', 'shmem', 'file_mapped', 'file_dirty', 'file_writeback', 'anon_thp',
  'inactive_anon', 'active_anon', 'inactive_file', 'active_file', 'unevictable', 'slab_reclaimable', 'slab_unreclaimable',
  'pgfault', 'pgmajfault', 'workingset_refault', 'workingset_activate', 'workingset_nodereclaim', 'pgrefill', 'pgscan',
  'pgsteal', 'pgactivate', 'pgdeactivate', 'pglazyfree', 'pglazyfreed', 'thp_fault_alloc', 'thp_collapse_alloc',
] as const; // biome-ignore format: one table

const numbered = <K extends string>(keys: readonly K[], from = 1) =>
  Object.fromEntries(keys.map((k, i) => [k, f.uint64(from + i)])) as Record<K, ReturnType<typeof f.uint64>>;

export const MemoryStatV2 = message(`${V2}MemoryStat`, {
  ...numbered(V2_MEMORY_STAT_KEYS),
  usage: f.uint64(32),
  usageLimit: f.uint64(33),
  swapUsage: f.uint64(34),
  swapLimit: f.uint64(35),
});
export const IOEntryV2 = message(`${V2}IOEntry`, {
  major: f.uint64(1),
  minor: f.uint64(2),
  rbytes: f.uint64(3),
  wbytes: f.uint64(4),
  rios: f.uint64(5),
  wios: f.uint64(6),
});
export const IOStatV2 = message(`${V2}IOStat`, { usage: f.messages(1, IOEntryV2) });
export const MemoryEventsV2 = message(`${V2}MemoryEvents`, { low: f.uint64(1), high: f.uint64(2), max: f.uint64(3), oom: f.uint64(4), oomKill: f.uint64(5) });

export const MetricsV2 = message(`${V2}Metrics`, {
  pids: f.message(1, PidsStatV2),
  cpu: f.message(2, CPUStatV2),
  memory: f.message(4, MemoryStatV2),
  io: f.message(6, IOStatV2),
  memoryEvents: f.message(8, MemoryEventsV2),
});
export type MetricsV2 = MessageOf<typeof MetricsV2>;

const V1 = 'io.containerd.cgroups.v1.';

export const PidsStatV1 = message(`${V1}PidsStat`, { current: f.uint64(1), limit: f.uint64(2) });
export const CPUUsageV1 = message(`${V1}CPUUsage`, { total: f.uint64(1), kernel: f.uint64(2), user: f.uint64(3), perCpu: f.repeatedUint64(4) });
export const ThrottleV1 = message(`${V1}Throttle`, { periods: f.uint64(1), throttledPeriods: f.uint64(2), throttledTime: f.uint64(3) });
export const CPUStatV1 = message(`${V1}CPUStat`, { usage: f.message(1, CPUUsageV1), throttling: f.message(2, ThrottleV1) });
export const MemoryEntryV1 = message(`${V1}MemoryEntry`, { limit: f.uint64(1), usage: f.uint64(2), max: f.uint64(3), failcnt: f.uint64(4) });

/** v1 memory.stat keys in field order (1..32): the kernel's names, hierarchical_memsw_limit is containerd's hierarchical_swap_limit. */
export const V1_MEMORY_STAT_KEYS = [
  'cache', 'rss', 'rss_huge', 'mapped_file', 'dirty', 'writeback', 'pgpgin', 'pgpgout', 'pgfault', 'pgmajfault',
  'inactive_anon', 'active_anon', 'inactive_file', 'active_file', 'unevictable', 'hierarchical_memory_limit',
  'hierarchical_memsw_limit', 'total_cache', 'total_rss', 'total_rss_huge', 'total_mapped_file', 'total_dirty',
  'total_writeback', 'total_pgpgin', 'total_pgpgout', 'total_pgfault', 'total_pgmajfault', 'total_inactive_anon',
  'total_active_anon', 'total_inactive_file', 'total_active_file', 'total_unevictable',
] as const; // biome-ignore format: one table

export const MemoryStatV1 = message(`${V1}MemoryStat`, {
  ...numbered(V1_MEMORY_STAT_KEYS),
  usage: f.message(33, MemoryEntryV1),
  swap: f.message(34, MemoryEntryV1),
  kernel: f.message(35, MemoryEntryV1),
  kernelTcp: f.message(36, MemoryEntryV1),
});
export const BlkIOEntryV1 = message(`${V1}BlkIOEntry`, { op: f.string(1), device: f.string(2), major: f.uint64(3), minor: f.uint64(4), value: f.uint64(5) });
export const BlkIOStatV1 = message(`${V1}BlkIOStat`, {
  ioServiceBytesRecursive: f.messages(1, BlkIOEntryV1),
  ioServicedRecursive: f.messages(2, BlkIOEntryV1),
});

export const MetricsV1 = message(`${V1}Metrics`, {
  pids: f.message(2, PidsStatV1),
  cpu: f.message(3, CPUStatV1),
  memory: f.message(4, MemoryStatV1),
  blkio: f.message(5, BlkIOStatV1),
});
export type MetricsV1 = MessageOf<typeof MetricsV1>;
