/**
 * Why a container's init died before it was ready, when its cgroup knows:
 * a memory limit too low for the init is enforced by the kernel's OOM killer
 * (it kills the helper, already in the cgroup), which otherwise looks like
 * the init dying for no reason. The kill is counted in the cgroup's
 * memory.events (v2) or memory.oom_control (v1) as `oom_kill N`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { controllerDir } from './cgroupLayout.js';
import { type CgroupState, hostLayout } from './cgroups.js';

/** The message for an init the cgroup's OOM killer took, from the counters' text and the limit file's. */
export function oomMessage(events: string, limit: string | undefined): string | undefined {
  const kills = Number(/^oom_kill (\d+)$/m.exec(events)?.[1] ?? 0);
  if (!(kills > 0)) return undefined;
  const bytes = limit?.trim();
  // v1 reports "no limit" as a huge page-aligned number, v2 as "max".
  if (!bytes || !/^\d+$/.test(bytes) || Number(bytes) >= 2 ** 62) return 'container init was OOM-killed';
  // The kernel's value: it rounds the configured limit down to whole pages (1 becomes 0).
  return `container init was OOM-killed: linux.resources.memory.limit is too low (the cgroup's limit: ${bytes} bytes)`;
}

const read = (file: string): string | undefined => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

/** Reads the container's memory cgroup; undefined when it has none or no OOM kill is counted. */
export function oomKilled(cg: CgroupState | undefined): string | undefined {
  if (!cg) return undefined;
  const v2 = cg.mode === 'v2';
  const dir = controllerDir(hostLayout(), cg.path, v2 ? '' : 'memory');
  if (!dir) return undefined;
  const events = read(path.join(dir, v2 ? 'memory.events' : 'memory.oom_control'));
  return events === undefined ? undefined : oomMessage(events, read(path.join(dir, v2 ? 'memory.max' : 'memory.limit_in_bytes')));
}
