/**
 * The Linux backend's data on disk: a record's `sandbox` (what setUp made:
 * { newNamespaces, cgroup }) and recovery.json's ({ newNamespaces,
 * cgroupPlan }), the shapes earlier versions wrote. The record's is checked
 * field by field, so a damaged one is refused with the field's name before
 * kill or teardown act on its cgroup paths.
 */
import type { CgroupLayout, Hierarchy } from './cgroupLayout.js';
import type { CgroupState } from './cgroups.js';
import { fields, isFields, listOf, oneOf, optionalText, text } from '../savedData.js';

export interface LinuxSetUp {
  /** Namespaces the container got a new one of. */
  newNamespaces: string[];
  /** The container's cgroup; undefined on a host without cgroups. */
  cgroup?: CgroupState | undefined;
}

const WHERE = 'state.json: sandbox';

export function readLinuxSetUp(sandbox: unknown): LinuxSetUp | undefined {
  if (sandbox === undefined) return undefined;
  const s = fields(sandbox, WHERE);
  const newNamespaces = s.newNamespaces === undefined ? [] : listOf(s.newNamespaces, `${WHERE}.newNamespaces`, text);
  // A `creating` record of an older version holds prepare()'s data: no cgroup yet.
  return { newNamespaces, cgroup: s.cgroup === undefined ? undefined : cgroupState(s.cgroup, `${WHERE}.cgroup`) };
}

function cgroupState(v: unknown, where: string): CgroupState {
  const c = fields(v, where);
  return {
    path: text(c.path, `${where}.path`),
    mode: oneOf(c.mode, `${where}.mode`, ['v1', 'v2'] as const),
    dirs: listOf(c.dirs, `${where}.dirs`, text),
    created: listOf(c.created, `${where}.created`, text),
    freezer: optionalText(c.freezer, `${where}.freezer`),
  };
}

/**
 * recovery.json's cgroup plan: its path and the host's layout at create.
 * Read leniently (what is unusable is left out): recovery goes on with the
 * id and the host's layout instead.
 */
export function readLinuxRecovery(data: unknown): { path?: string; layout?: CgroupLayout } {
  const plan = isFields(data) && isFields(data.cgroupPlan) ? data.cgroupPlan : undefined;
  if (!plan) return {};
  const out: { path?: string; layout?: CgroupLayout } = {};
  if (typeof plan.path === 'string') out.path = plan.path;
  try {
    out.layout = cgroupLayout(plan.layout, 'recovery.json: data.cgroupPlan.layout');
  } catch {}
  return out;
}

function cgroupLayout(v: unknown, where: string): CgroupLayout {
  const l = fields(v, where);
  return {
    mode: oneOf(l.mode, `${where}.mode`, ['v1', 'v2', 'none'] as const),
    hierarchies: listOf(l.hierarchies, `${where}.hierarchies`, hierarchy),
    unified: optionalText(l.unified, `${where}.unified`),
  };
}

function hierarchy(v: unknown, where: string): Hierarchy {
  const h = fields(v, where);
  return { controllers: listOf(h.controllers, `${where}.controllers`, text), mount: text(h.mount, `${where}.mount`) };
}
