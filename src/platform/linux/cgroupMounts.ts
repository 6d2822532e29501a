/**
 * A config's `cgroup` mount (containerd and podman always ask for one at
 * /sys/fs/cgroup) as helper mount records. Pure. On a v2 host it is the
 * cgroup2 file system (or, without a cgroup namespace, a bind of the
 * container's own cgroup). On a v1 host there is no single file system to
 * mount: like runc, a tmpfs holds a bind of the container's cgroup from each
 * hierarchy, and is made read-only afterwards when asked.
 */
import * as path from 'node:path';
import { type PlanRecord, hex } from '../../backend/protocol.js';
import type { CgroupLayout } from './cgroupLayout.js';
import { MS } from './mountOptions.js';

export function cgroupMountRecords(
  dest: string,
  flags: number,
  pflags: number,
  layout: CgroupLayout,
  cgPath: string,
  cgroupNs: boolean,
): PlanRecord[] {
  const bindFlags = MS.BIND | MS.REC | (flags & (MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC));
  if (layout.mode === 'v2' && layout.unified) {
    if (cgroupNs) return [['mount', dest, 'cgroup2', 'cgroup2', hex(flags), '', hex(pflags), 'fs']];
    return [['mount', dest, path.join(layout.unified, cgPath), '', hex(bindFlags), '', hex(pflags), 'bind']];
  }
  const base = flags & (MS.NOSUID | MS.NODEV | MS.NOEXEC);
  const records: PlanRecord[] = [['mount', dest, 'tmpfs', 'tmpfs', hex(base), 'mode=755', hex(pflags), 'fs']];
  const subdirs = layout.hierarchies.map((h) => ({
    name: h.controllers.map((c) => c.replace(/^name=/, '')).join(','),
    source: path.join(h.mount, cgPath),
  }));
  if (layout.unified) subdirs.push({ name: 'unified', source: path.join(layout.unified, cgPath) });
  for (const s of subdirs) records.push(['mount', path.posix.join(dest, s.name), s.source, '', hex(bindFlags), '', '0x0', 'bind']);
  if (flags & MS.RDONLY) records.push(['mount', dest, 'tmpfs', 'tmpfs', hex(base | MS.RDONLY | MS.REMOUNT), 'mode=755', '0x0', 'fs']);
  return records;
}
