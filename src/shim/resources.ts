/**
 * Update, Stats and Checkpoint over the runtime's own operations (the ones
 * `runj update` and `runj events --stats` run), in this process.
 *
 * Update: `resources` is an Any of type
 * types.containerd.io/opencontainers/runtime-spec/1/LinuxResources holding
 * the OCI LinuxResources as JSON (containerd's typeurl registration); the
 * fields are type-checked here (the runtime's update skips what it does not
 * recognise) and a wrong one is refused by name. `annotations` is accepted
 * and ignored, as containerd's runc shim does.
 *
 * Stats: the runtime's stats (runc's `events --stats` shape) become
 * containerd's cgroup metrics (metricsMap.ts); Checkpoint is Unimplemented.
 */
import * as fs from 'node:fs';
import type { RuntimeContext } from '../runtime/context.js';
import { stats, update } from '../runtime/events.js';
import { type CgroupMetricsMode, toMetrics } from './metricsMap.js';
import { jsonAny } from './proto/wkt.js';
import type { TaskHandlers } from './taskApi.js';
import { Code, StatusError, unimplemented } from './ttrpc/status.js';

type Obj = Record<string, unknown>;
type Kind = 'int' | 'uint' | 'bool' | 'string' | 'array' | 'object';

/** The LinuxResources fields with a scalar type the runtime reads (config-linux.md). */
const FIELDS: Record<string, Record<string, Kind>> = {
  memory: { limit: 'int', reservation: 'int', swap: 'int', kernel: 'int', kernelTCP: 'int', swappiness: 'uint', disableOOMKiller: 'bool', useHierarchy: 'bool', checkBeforeUpdate: 'bool' },
  cpu: { shares: 'uint', quota: 'int', burst: 'uint', period: 'uint', realtimeRuntime: 'int', realtimePeriod: 'uint', cpus: 'string', mems: 'string', idle: 'int' },
  pids: { limit: 'int' },
  blockIO: { weight: 'uint', leafWeight: 'uint', weightDevice: 'array', throttleReadBpsDevice: 'array', throttleWriteBpsDevice: 'array', throttleReadIOPSDevice: 'array', throttleWriteIOPSDevice: 'array' },
};
const TOP: Record<string, Kind> = { devices: 'array', hugepageLimits: 'array', network: 'object', rdma: 'object', unified: 'object' };

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function check(kind: Kind, v: unknown): boolean {
  switch (kind) {
    case 'int':
      return Number.isInteger(v);
    case 'uint':
      return Number.isInteger(v) && (v as number) >= 0;
    case 'bool':
      return typeof v === 'boolean';
    case 'string':
      return typeof v === 'string';
    case 'array':
      return Array.isArray(v);
    default:
      return isObj(v);
  }
}

const refused = (field: string, why: string) => new StatusError(Code.InvalidArgument, `update: resources.${field}: ${why}`);

/** Update's Any → the LinuxResources object, every known field of the right type. */
export function decodeResources(any: Parameters<typeof jsonAny>[0]): Obj {
  if (!any) throw new StatusError(Code.InvalidArgument, 'update: resources: missing (an Any holding the OCI LinuxResources)');
  let doc: unknown;
  try {
    doc = jsonAny(any, 'LinuxResources');
  } catch (err) {
    throw new StatusError(Code.InvalidArgument, `update: resources: ${(err as Error).message}`);
  }
  if (!isObj(doc)) throw new StatusError(Code.InvalidArgument, 'update: resources: must be a JSON object');
  for (const [key, kind] of Object.entries(TOP)) {
    if (doc[key] !== undefined && doc[key] !== null && !check(kind, doc[key])) throw refused(key, `must be ${kind === 'array' ? 'an array' : 'an object'}`);
  }
  for (const [section, fields] of Object.entries(FIELDS)) {
    const s = doc[section];
    if (s === undefined || s === null) continue;
    if (!isObj(s)) throw refused(section, 'must be an object');
    for (const [key, kind] of Object.entries(fields)) {
      const v = s[key];
      if (v !== undefined && v !== null && !check(kind, v)) throw refused(`${section}.${key}`, `must be ${KIND_TEXT[kind]}, not ${JSON.stringify(v)}`);
    }
  }
  return doc;
}

const KIND_TEXT: Record<Kind, string> = {
  int: 'an integer',
  uint: 'a non-negative integer',
  bool: 'true or false',
  string: 'a string',
  array: 'an array',
  object: 'an object',
};

/** cgroup v2 when /sys/fs/cgroup is the unified hierarchy (containerd's cgroups.Mode() test), else v1. */
export function hostMetricsMode(platform: string): CgroupMetricsMode {
  if (platform !== 'linux') return 'v2';
  return fs.existsSync('/sys/fs/cgroup/cgroup.controllers') ? 'v2' : 'v1';
}

export function resourceHandlers(
  ctx: RuntimeContext,
  resolve: (id: string) => string,
  mode: () => CgroupMetricsMode = () => hostMetricsMode(ctx.platform),
): Required<Pick<TaskHandlers, 'Update' | 'Stats' | 'Checkpoint'>> {
  return {
    async Update(req) {
      const id = resolve(req.id);
      await update(ctx, id, decodeResources(req.resources));
      return {};
    },
    async Stats(req) {
      const id = resolve(req.id);
      const data = (await stats(ctx, id)).data as Obj;
      if (!isObj(data) || Object.keys(data).length === 0) {
        throw new StatusError(Code.NotFound, `container ${id}: no resource statistics (no cgroup, or no rctl accounting)`);
      }
      return { stats: toMetrics(data, mode()) };
    },
    Checkpoint(req) {
      resolve(req.id);
      throw unimplemented(`checkpoint ${req.id}: not implemented: runj has no checkpoint/restore (no CRIU, and nothing like it for jails)`);
    },
  };
}
