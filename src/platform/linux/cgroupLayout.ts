/**
 * Where the cgroup hierarchies are mounted (from /proc/self/mountinfo), and
 * where a container's cgroup lives in each. Pure: the caller reads the file.
 * v1 hosts may also mount the v2 tree (hybrid, e.g. at /sys/fs/cgroup/unified):
 * containers join it too, but limits go to the v1 controllers.
 */
import * as path from 'node:path';
import { invalid } from '../../core/errors.js';

export interface Hierarchy {
  /** v1 controllers (and `name=systemd`-style names) of this mount. */
  controllers: string[];
  mount: string;
}

export interface CgroupLayout {
  mode: 'v1' | 'v2' | 'none';
  hierarchies: Hierarchy[];
  /** The cgroup2 mount point, on v2 and hybrid hosts. */
  unified: string | undefined;
}

const V1_CONTROLLERS = new Set([
  'cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'net_cls', 'net_prio', 'blkio', 'perf_event', 'hugetlb', 'pids', 'rdma', 'misc',
]);

export function parseMountinfo(text: string): CgroupLayout {
  // The last mount on a mount point hides the ones under it (e.g. a tmpfs over the v2 tree).
  const top = new Map<string, { fstype: string; superopts: string; root: string }>();
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const f = left.split(' ');
    const [fstype = '', , superopts = ''] = right.split(' ');
    const mount = f[4]?.replace(/\\040/g, ' ');
    if (mount) top.set(mount, { fstype, superopts, root: f[3] ?? '' });
  }
  const hierarchies: Hierarchy[] = [];
  let unified: string | undefined;
  for (const [mount, m] of top) {
    if (m.root !== '/') continue;
    if (m.fstype === 'cgroup2' && unified === undefined) unified = mount;
    if (m.fstype === 'cgroup') {
      const controllers = m.superopts.split(',').filter((o) => V1_CONTROLLERS.has(o) || o.startsWith('name='));
      if (controllers.length && !hierarchies.some((h) => h.controllers.join() === controllers.join())) hierarchies.push({ controllers, mount });
    }
  }
  const mode = hierarchies.length ? 'v1' : unified ? 'v2' : 'none';
  return { mode, hierarchies, unified };
}

/**
 * The parent of a container without linux.cgroupsPath. Made by the first such
 * create and kept, empty, as runc keeps the parents of a cgroupsPath: made and
 * removed with each container, it cost ~2.3 ms a create (a first-level v1
 * cpuset cgroup takes 2 ms of kernel time to make here; docs/performance.md).
 * Kept, its v1 cpuset keeps the CPUs it was filled with (docs/spec-coverage.md).
 */
export const DEFAULT_CGROUP_PARENT = '/runj';

/** Normalises cgroupsPath (absolute or relative: both are taken from the hierarchy root). */
export function containerCgroupPath(cgroupsPath: string | undefined, id: string): string {
  const p = cgroupsPath ?? `${DEFAULT_CGROUP_PARENT}/${id}`;
  const norm = path.posix.normalize(`/${p}`);
  if (norm === '/' || norm.split('/').includes('..')) throw invalid(`config.json: /linux/cgroupsPath: "${p}" is not a usable cgroup path`);
  return norm;
}

/** Every directory the container's processes join: each v1 hierarchy, and the v2 tree. */
export function cgroupDirs(layout: CgroupLayout, cgPath: string): string[] {
  const dirs = layout.hierarchies.map((h) => path.join(h.mount, cgPath));
  if (layout.unified) dirs.push(path.join(layout.unified, cgPath));
  return dirs;
}

/** The directory a controller's files are written in ('' = the v2 tree). */
export function controllerDir(layout: CgroupLayout, cgPath: string, controller: string): string | undefined {
  if (layout.mode === 'v2' || controller === '') return layout.unified && path.join(layout.unified, cgPath);
  const h = layout.hierarchies.find((x) => x.controllers.includes(controller));
  return h && path.join(h.mount, cgPath);
}
