/** update and stats on a container's cgroup (runc's `update` and `events --stats`). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RuntimeError, unsupported } from '../../core/errors.js';
import { controllerDir } from './cgroupLayout.js';
import { planResources } from './cgroupResources.js';
import { type CgroupState, hostLayout } from './cgroups.js';
import { statsFromFiles } from './cgroupStats.js';

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

export function cgroupStats(cg: CgroupState): Record<string, unknown> {
  const layout = hostLayout();
  const v2 = cg.mode === 'v2';
  return statsFromFiles((controller, file) => read(controllerDir(layout, cg.path, v2 ? '' : controller), file), v2);
}
