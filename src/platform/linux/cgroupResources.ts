/**
 * linux.resources → cgroup file writes, for cgroup v1 and v2. Pure. Fields
 * this backend cannot apply come back as `refused` (the caller refuses them
 * unless host policy ignores them). Device rules are enforced on v1 only:
 * v2 needs an eBPF program, which this backend does not load.
 */
import type { Device } from '../../plan/spec.js';
import { invalid } from '../../core/errors.js';

export type CgroupMode = 'v1' | 'v2';

export interface CgroupWrite {
  /** v1: the controller whose hierarchy holds the file; v2: '' (the unified tree). */
  controller: string;
  file: string;
  value: string;
}

export interface ResourcePlan {
  writes: CgroupWrite[];
  /** Dotted names of fields that cannot be applied in this mode. */
  refused: string[];
}

type Resources = Record<string, unknown>;
const obj = (v: unknown): Resources | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Resources) : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** The devices every container gets (runtime-spec config-linux.md "Default Devices", plus ptys). */
const DEFAULT_DEVICE_RULES = ['c 1:3 rwm', 'c 1:5 rwm', 'c 1:7 rwm', 'c 1:8 rwm', 'c 1:9 rwm', 'c 5:0 rwm', 'c 5:1 rwm', 'c 5:2 rwm', 'c 136:* rwm'];

function deviceRule(r: Resources, i: number): { allow: boolean; rule: string } {
  const type = (r.type as string | undefined) ?? 'a';
  if (!['a', 'b', 'c'].includes(type)) throw invalid(`config.json: /linux/resources/devices/${i}/type: must be a, b or c`);
  const access = (r.access as string | undefined) ?? 'rwm';
  if (!/^[rwm]{1,3}$/.test(access)) throw invalid(`config.json: /linux/resources/devices/${i}/access: must be letters of rwm`);
  const part = (n: unknown) => (typeof n === 'number' && n >= 0 ? String(n) : '*');
  const rule = type === 'a' ? 'a' : `${type} ${part(r.major)}:${part(r.minor)} ${access}`;
  return { allow: r.allow === true, rule };
}

export function deviceWrites(rules: readonly unknown[], devices: readonly Device[]): CgroupWrite[] {
  const writes: CgroupWrite[] = [];
  rules.forEach((r, i) => {
    const d = deviceRule(obj(r) ?? {}, i);
    writes.push({ controller: 'devices', file: d.allow ? 'devices.allow' : 'devices.deny', value: d.rule });
  });
  const extra = devices.filter((d) => d.type !== 'p').map((d) => `${d.type === 'u' ? 'c' : d.type} ${d.major ?? 0}:${d.minor ?? 0} rwm`);
  for (const rule of [...DEFAULT_DEVICE_RULES, ...extra]) writes.push({ controller: 'devices', file: 'devices.allow', value: rule });
  return writes;
}

/** cpu.shares (2..262144) → cpu.weight (1..10000), as runc and crun convert. */
export function sharesToWeight(shares: number): number {
  return shares === 0 ? 0 : 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

const limit = (n: number) => (n < 0 ? 'max' : String(n));

export function planResources(resources: Resources | undefined, devices: readonly Device[], mode: CgroupMode): ResourcePlan {
  const writes: CgroupWrite[] = [];
  const refused: string[] = [];
  const r = resources ?? {};
  const w = (controller: string, file: string, value: string | number) =>
    writes.push({ controller: mode === 'v1' ? controller : '', file, value: String(value) });
  for (const key of Object.keys(r)) {
    if (!['devices', 'pids', 'memory', 'cpu', 'unified'].includes(key)) refused.push(`linux.resources.${key}`);
  }
  if (Array.isArray(r.devices) && r.devices.length) {
    if (mode === 'v1') writes.push(...deviceWrites(r.devices, devices));
    else refused.push('linux.resources.devices');
  }
  const pids = num(obj(r.pids)?.limit);
  if (pids !== undefined && pids !== 0) w('pids', 'pids.max', limit(pids));
  const mem = obj(r.memory) ?? {};
  for (const key of Object.keys(mem)) {
    if (!['limit', 'reservation', 'swap', 'swappiness', 'disableOOMKiller', 'kernel', 'kernelTCP', 'useHierarchy', 'checkBeforeUpdate'].includes(key)) {
      refused.push(`linux.resources.memory.${key}`);
    }
  }
  const memLimit = num(mem.limit);
  if (mode === 'v1') {
    if (memLimit !== undefined) w('memory', 'memory.limit_in_bytes', memLimit);
    if (num(mem.swap) !== undefined) w('memory', 'memory.memsw.limit_in_bytes', mem.swap as number);
    if (num(mem.reservation) !== undefined) w('memory', 'memory.soft_limit_in_bytes', mem.reservation as number);
    if (num(mem.swappiness) !== undefined && (mem.swappiness as number) <= 100) w('memory', 'memory.swappiness', mem.swappiness as number);
    if (mem.disableOOMKiller === true) w('memory', 'memory.oom_control', 1);
  } else {
    if (memLimit !== undefined) w('memory', 'memory.max', limit(memLimit));
    const swap = num(mem.swap);
    if (swap !== undefined) w('memory', 'memory.swap.max', swap < 0 ? 'max' : Math.max(0, swap - (memLimit ?? 0)));
    if (num(mem.reservation) !== undefined) w('memory', 'memory.low', mem.reservation as number);
    if (mem.swappiness !== undefined) refused.push('linux.resources.memory.swappiness');
    if (mem.disableOOMKiller === true) refused.push('linux.resources.memory.disableOOMKiller');
  }
  const cpu = obj(r.cpu) ?? {};
  for (const key of Object.keys(cpu)) {
    if (!['shares', 'quota', 'period', 'cpus', 'mems', 'realtimeRuntime', 'realtimePeriod', 'idle'].includes(key)) refused.push(`linux.resources.cpu.${key}`);
  }
  const shares = num(cpu.shares);
  const quota = num(cpu.quota);
  const period = num(cpu.period);
  if (mode === 'v1') {
    if (shares) w('cpu', 'cpu.shares', shares);
    if (period) w('cpu', 'cpu.cfs_period_us', period);
    if (quota !== undefined && quota !== 0) w('cpu', 'cpu.cfs_quota_us', quota);
    if (num(cpu.realtimePeriod)) w('cpu', 'cpu.rt_period_us', cpu.realtimePeriod as number);
    if (num(cpu.realtimeRuntime)) w('cpu', 'cpu.rt_runtime_us', cpu.realtimeRuntime as number);
  } else {
    if (shares) w('cpu', 'cpu.weight', sharesToWeight(shares));
    if ((quota !== undefined && quota !== 0) || period) w('cpu', 'cpu.max', `${quota === undefined || quota <= 0 ? 'max' : quota} ${period || 100000}`);
    if (cpu.realtimeRuntime !== undefined || cpu.realtimePeriod !== undefined) refused.push('linux.resources.cpu.realtimeRuntime');
    if (num(cpu.idle) !== undefined) w('cpu', 'cpu.idle', cpu.idle as number);
  }
  if (typeof cpu.cpus === 'string' && cpu.cpus) w('cpuset', 'cpuset.cpus', cpu.cpus);
  if (typeof cpu.mems === 'string' && cpu.mems) w('cpuset', 'cpuset.mems', cpu.mems);
  const unified = obj(r.unified);
  if (unified && Object.keys(unified).length) {
    if (mode === 'v2') {
      for (const [file, value] of Object.entries(unified)) {
        if (file.includes('/') || file.startsWith('.')) throw invalid(`config.json: /linux/resources/unified/${file}: not a cgroup file name`);
        w('', file, String(value));
      }
    } else refused.push('linux.resources.unified');
  }
  return { writes, refused };
}
