/** update and stats on a container's cgroup (runc's `update` and `events --stats`). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RuntimeError, unsupported } from '../../core/errors.js';
import { controllerDir } from './cgroupLayout.js';
import { planResources } from './cgroupResources.js';
import { type CgroupState, hostLayout } from './cgroups.js';

export function updateCgroup(cg: CgroupState, resources: Record<string, unknown>): void {
  const layout = hostLayout();
  const r = planResources(resources, [], cg.mode);
  if (r.refused.length) throw unsupported(`update: ${r.refused.join(', ')}: cannot be applied on this host (cgroup ${cg.mode})`);
  for (const w of r.writes) {
    const dir = controllerDir(layout, cg.path, w.controller);
    if (!dir) throw unsupported(`update: the ${w.controller} controller is not mounted`);
    try {
      fs.writeFileSync(path.join(dir, w.file), w.value);
    } catch (err) {
      throw new RuntimeError('ESYSTEM', `update: write ${w.value} to ${path.join(dir, w.file)}: ${(err as Error).message}`);
    }
  }
}

function read(dir: string | undefined, file: string): string | undefined {
  if (!dir) return undefined;
  try {
    return fs.readFileSync(path.join(dir, file), 'utf8').trim();
  } catch {
    return undefined;
  }
}

const n = (s: string | undefined) => (s === undefined || s === 'max' ? 0 : Number(s));

export function cgroupStats(cg: CgroupState): Record<string, unknown> {
  const layout = hostLayout();
  const dir = (c: string) => controllerDir(layout, cg.path, cg.mode === 'v2' ? '' : c);
  const v2 = cg.mode === 'v2';
  const cpuTotal = v2
    ? n(read(dir('cpu'), 'cpu.stat')?.match(/usage_usec (\d+)/)?.[1]) * 1000
    : n(read(dir('cpuacct'), 'cpuacct.usage'));
  return {
    cpu: { usage: { total: cpuTotal } },
    memory: {
      usage: {
        usage: n(read(dir('memory'), v2 ? 'memory.current' : 'memory.usage_in_bytes')),
        limit: n(read(dir('memory'), v2 ? 'memory.max' : 'memory.limit_in_bytes')),
      },
    },
    pids: { current: n(read(dir('pids'), 'pids.current')), limit: n(read(dir('pids'), 'pids.max')) },
  };
}
