/**
 * A cgroup's statistics in runc's `events --stats` shape (runc's types.Stats:
 * cpu.usage ns with kernel/user and percpu, cpu.throttling, memory usage/swap
 * entries and raw memory.stat, pids, blkio entries), from the control files
 * a reader returns. Pure: cgroupOps.ts reads the files. v2 converts
 * microseconds to nanoseconds and io.stat's rbytes/wbytes/rios/wios to Read
 * and Write entries as runc does; v1's cpuacct.stat counts USER_HZ ticks
 * (100 a second on every Linux ABI runj runs on).
 */
export type ReadControl = (controller: string, file: string) => string | undefined;

const USER_HZ = 100;
const n = (s: string | undefined) => (s === undefined || s === 'max' ? 0 : Number(s) || 0);

/** "key value" lines (cpu.stat, memory.stat, cpuacct.stat) as numbers. */
export function keyValues(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (text ?? '').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

interface BlkioEntry {
  major: number;
  minor: number;
  op: string;
  value: number;
}

/** v1 blkio "8:0 Read 4096" lines (the "Total N" summary line has no device and is left out). */
function blkioV1(text: string | undefined): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const m = /^(\d+):(\d+)\s+(\S+)\s+(\d+)$/.exec(line.trim());
    if (m) out.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3] as string, value: Number(m[4]) });
  }
  return out;
}

/** v2 io.stat "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" lines → runc's two blkio lists. */
function ioV2(text: string | undefined): { ioServiceBytesRecursive: BlkioEntry[]; ioServicedRecursive: BlkioEntry[] } {
  const bytes: BlkioEntry[] = [];
  const ios: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const m = /^(\d+):(\d+)\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    const dev = { major: Number(m[1]), minor: Number(m[2]) };
    const kv = Object.fromEntries((m[3] as string).split(/\s+/).map((p) => p.split('=') as [string, string]));
    bytes.push({ ...dev, op: 'Read', value: n(kv.rbytes) }, { ...dev, op: 'Write', value: n(kv.wbytes) });
    ios.push({ ...dev, op: 'Read', value: n(kv.rios) }, { ...dev, op: 'Write', value: n(kv.wios) });
  }
  return { ioServiceBytesRecursive: bytes, ioServicedRecursive: ios };
}

export function statsFromFiles(read: ReadControl, v2: boolean): Record<string, unknown> {
  const pids = { current: n(read('pids', 'pids.current')), limit: n(read('pids', 'pids.max')) };
  if (v2) {
    const cpu = keyValues(read('cpu', 'cpu.stat'));
    const raw = keyValues(read('memory', 'memory.stat'));
    return {
      cpu: {
        usage: { total: (cpu.usage_usec ?? 0) * 1000, kernel: (cpu.system_usec ?? 0) * 1000, user: (cpu.user_usec ?? 0) * 1000 },
        throttling: { periods: cpu.nr_periods ?? 0, throttledPeriods: cpu.nr_throttled ?? 0, throttledTime: (cpu.throttled_usec ?? 0) * 1000 },
      },
      memory: {
        cache: raw.file ?? 0,
        usage: { usage: n(read('memory', 'memory.current')), limit: n(read('memory', 'memory.max')), max: n(read('memory', 'memory.peak')) },
        swap: { usage: n(read('memory', 'memory.swap.current')), limit: n(read('memory', 'memory.swap.max')) },
        raw,
      },
      pids,
      blkio: ioV2(read('io', 'io.stat')),
    };
  }
  const ticks = keyValues(read('cpuacct', 'cpuacct.stat'));
  const throttled = keyValues(read('cpu', 'cpu.stat'));
  const raw = keyValues(read('memory', 'memory.stat'));
  const percpu = (read('cpuacct', 'cpuacct.usage_percpu') ?? '').split(/\s+/).filter(Boolean).map(Number);
  const entry = (prefix: string) => ({
    usage: n(read('memory', `${prefix}.usage_in_bytes`)),
    limit: n(read('memory', `${prefix}.limit_in_bytes`)),
    max: n(read('memory', `${prefix}.max_usage_in_bytes`)),
    failcnt: n(read('memory', `${prefix}.failcnt`)),
  });
  const blkio = (file: string) => blkioV1(read('blkio', `blkio.throttle.${file}`) ?? read('blkio', `blkio.${file}`));
  return {
    cpu: {
      usage: { total: n(read('cpuacct', 'cpuacct.usage')), percpu, kernel: ((ticks.system ?? 0) * 1e9) / USER_HZ, user: ((ticks.user ?? 0) * 1e9) / USER_HZ },
      throttling: { periods: throttled.nr_periods ?? 0, throttledPeriods: throttled.nr_throttled ?? 0, throttledTime: throttled.throttled_time ?? 0 },
    },
    memory: { cache: raw.total_cache ?? raw.cache ?? 0, usage: entry('memory'), swap: entry('memory.memsw'), kernel: entry('memory.kmem'), raw },
    pids,
    blkio: { ioServiceBytesRecursive: blkio('io_service_bytes_recursive'), ioServicedRecursive: blkio('io_serviced_recursive') },
  };
}
