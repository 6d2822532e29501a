/**
 * buildPlan: a validated config plus command-line options → ContainerPlan.
 * Pure: no system access. Platform-specific checks live in the adapters.
 */
import * as path from 'node:path';
import { RuntimeError } from '../core/errors.js';
import type { Mount, Process, Spec } from './spec.js';
import type { ContainerPlan, HookSet, PlanOptions, ProcessPlan } from './types.js';

export function buildPlan(id: string, bundle: string, spec: Spec, options: PlanOptions): ContainerPlan {
  if (!spec.root?.path) throw new RuntimeError('ECONFIG', 'config.json: /root/path: is required to create a container');
  return {
    id,
    bundle,
    rootfs: path.resolve(bundle, spec.root.path),
    readonlyRoot: spec.root.readonly === true,
    hostname: spec.hostname,
    domainname: spec.domainname,
    mounts: (spec.mounts ?? []).map((m) => resolveMount(m, bundle)),
    process: buildProcess(spec),
    hooks: buildHooks(spec),
    annotations: { ...(spec.annotations ?? {}) },
    options,
    spec,
  };
}

function buildProcess(spec: Spec): ProcessPlan {
  if (!spec.process) throw new RuntimeError('ECONFIG', 'config.json: /process: is required to create a container');
  return processPlan(spec.process);
}

/** A validated process object (config.json's, or an exec process file) as a ProcessPlan. */
export function processPlan(p: Process): ProcessPlan {
  return {
    args: p.args ?? [],
    env: p.env ?? [],
    cwd: p.cwd,
    uid: p.user.uid,
    gid: p.user.gid,
    additionalGids: p.user.additionalGids ?? [],
    umask: p.user.umask,
    rlimits: p.rlimits ?? [],
    noNewPrivileges: p.noNewPrivileges === true,
    capabilities: p.capabilities,
    oomScoreAdj: p.oomScoreAdj,
    terminal: p.terminal === true,
    consoleSize: p.consoleSize,
  };
}

function buildHooks(spec: Spec): HookSet {
  const h = spec.hooks ?? {};
  return {
    prestart: h.prestart ?? [],
    createRuntime: h.createRuntime ?? [],
    createContainer: h.createContainer ?? [],
    startContainer: h.startContainer ?? [],
    poststart: h.poststart ?? [],
    poststop: h.poststop ?? [],
  };
}

/** Bind-mount sources that are relative are relative to the bundle (config.md). */
function resolveMount(m: Mount, bundle: string): Mount {
  if (m.source === undefined || path.isAbsolute(m.source)) return { ...m };
  const isBind = m.type === 'bind' || m.type === 'nullfs' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind');
  return isBind ? { ...m, source: path.resolve(bundle, m.source) } : { ...m };
}
