/**
 * The new namespaces runj-helper may enter while Node still validates and
 * plans (`runj-helper --unshare`, native/README.md): creating a network
 * namespace alone takes ~0.5 ms here, which create then no longer waits for
 * after the plan. Read from config.json as parsed, before validation, so it
 * trusts nothing: anything unexpected means none. Entering a namespace
 * changes nothing outside the helper, and a refused config kills the helper
 * with them. The helper checks the plan creates each one. A mount namespace
 * entered early is a copy of the host's mounts as the helper starts: what the
 * container needs mounted (its rootfs, bind sources) is there before
 * `create` runs, as runc requires too (the containerd shim mounts a task's
 * rootfs before its create; its helper spawner takes no such hint anyway).
 */
import { NS_TYPES } from './namespaceTypes.js';

/** The types the helper may enter early: all but user (entered first, with its id maps) and cgroup (after the cgroups are joined). */
const LATE = new Set(['user', 'cgroup']);

/** The types (the helper's names) of linux.namespaces entries without a path; none with a user namespace, which must come first. */
export function earlyUnshare(config: unknown): string[] {
  const list = (config as { linux?: { namespaces?: unknown } } | null)?.linux?.namespaces;
  if (!Array.isArray(list)) return [];
  const types: string[] = [];
  for (const entry of list) {
    if (entry === null || typeof entry !== 'object') return [];
    const { type, path } = entry as { type?: unknown; path?: unknown };
    if (type === 'user') return [];
    const early = typeof type === 'string' && Object.hasOwn(NS_TYPES, type) && !LATE.has(type) ? NS_TYPES[type] : undefined;
    if (path !== undefined || !early) continue;
    if (types.includes(early)) return []; // a duplicate the plan refuses
    types.push(early);
  }
  return types;
}
