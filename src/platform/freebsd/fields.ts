/**
 * config.json fields the FreeBSD backend does not apply, decided one by one
 * (docs/spec-coverage.md has the full table). Fields whose omission would
 * leave the container less confined than asked (user namespaces, hard
 * resource limits, running in a VM) are refused unless the host policy
 * lists them under "ignore" (memory, swap, pids and CPU quota limits are
 * applied as rctl rules, rctl.ts); Linux mechanisms a jail replaces (namespaces,
 * seccomp, capabilities, masked paths, LSM labels, ...) are skipped with a
 * debug line. Pure.
 */
import type { HostPolicy } from '../../plan/policy.js';
import { present } from '../../plan/present.js';
import type { Spec } from '../../plan/spec.js';
import { unsupported } from '../../core/errors.js';

type Get = (s: Spec) => unknown;
const res = (s: Spec) => (s.linux?.resources ?? {}) as Record<string, Record<string, unknown> | unknown[] | undefined>;
const sub = (s: Spec, k: string) => (res(s)[k] ?? {}) as Record<string, unknown>;

/** [policy "ignore" name, field shown in the error, getter, why]. */
const REFUSED: readonly [string, string, Get, string][] = [
  ['linux.uidMappings', 'linux.uidMappings', (s) => s.linux?.uidMappings, 'a jail has no user namespace: the container would run with host ids'],
  ['linux.gidMappings', 'linux.gidMappings', (s) => s.linux?.gidMappings, 'a jail has no user namespace: the container would run with host ids'],
  ['linux.namespaces', 'linux.namespaces (user)', (s) => s.linux?.namespaces?.find((n) => n.type === 'user'), 'a jail has no user namespace: the container would run with host ids'],
  ['linux.resources', 'linux.resources.cpu.cpus', (s) => sub(s, 'cpu').cpus, 'CPU pinning is not applied by the FreeBSD backend'],
  ['linux.resources', 'linux.resources.blockIO', (s) => Object.keys(sub(s, 'blockIO')).some((k) => k.startsWith('throttle') && present(sub(s, 'blockIO')[k])), 'I/O limits are not applied by the FreeBSD backend'],
  ['linux.resources', 'linux.resources.hugepageLimits', (s) => res(s).hugepageLimits, 'resource limits are not applied by the FreeBSD backend'],
  ['linux.resources', 'linux.resources.unified', (s) => res(s).unified, 'resource limits are not applied by the FreeBSD backend'],
  ['mounts.uidMappings', 'mounts[].uidMappings', (s) => s.mounts?.find((m) => m.uidMappings?.length || m.gidMappings?.length), 'FreeBSD has no id-mapped mounts'],
  ['vm', 'vm', (s) => s.vm, 'the FreeBSD backend runs jails, not virtual machines'],
];

/** Skipped with a debug line: Linux (or other platforms') mechanisms a jail replaces or that confine nothing. */
const IGNORED: readonly [string, Get][] = [
  ['linux.namespaces', (s) => s.linux?.namespaces],
  ['linux.devices', (s) => s.linux?.devices],
  ['linux.cgroupsPath', (s) => s.linux?.cgroupsPath],
  ['linux.resources', (s) => s.linux?.resources],
  ['linux.rootfsPropagation', (s) => s.linux?.rootfsPropagation],
  ['linux.seccomp', (s) => s.linux?.seccomp],
  ['linux.sysctl', (s) => s.linux?.sysctl],
  ['linux.maskedPaths', (s) => s.linux?.maskedPaths],
  ['linux.readonlyPaths', (s) => s.linux?.readonlyPaths],
  ['linux.mountLabel', (s) => s.linux?.mountLabel],
  ['linux.intelRdt', (s) => s.linux?.intelRdt],
  ['linux.personality', (s) => s.linux?.personality],
  ['linux.timeOffsets', (s) => s.linux?.timeOffsets],
  ['linux.memoryPolicy', (s) => s.linux?.memoryPolicy],
  ['linux.netDevices', (s) => s.linux?.netDevices],
  ['process.capabilities', (s) => s.process?.capabilities],
  ['process.apparmorProfile', (s) => s.process?.apparmorProfile],
  ['process.selinuxLabel', (s) => s.process?.selinuxLabel],
  ['process.oomScoreAdj', (s) => s.process?.oomScoreAdj !== undefined],
  ['process.ioPriority', (s) => s.process?.ioPriority],
  ['process.scheduler', (s) => s.process?.scheduler],
  ['process.execCPUAffinity', (s) => s.process?.execCPUAffinity],
  ['process.commandLine', (s) => s.process?.commandLine],
  ['process.user.username', (s) => s.process?.user?.username],
  ['solaris', (s) => s.solaris],
  ['windows', (s) => s.windows],
  ['zos', (s) => s.zos],
];

export function checkFreeBSDFields(spec: Spec, policy: HostPolicy): { warnings: string[]; debug: string[] } {
  const warnings: string[] = [];
  const refusedShown = new Set<string>();
  for (const [name, field, get, why] of REFUSED) {
    if (!present(get(spec))) continue;
    if (!policy.ignore.has(name)) {
      throw unsupported(`config.json: ${field}: ${why}; list "${name}" under "ignore" in the host policy to run without it`);
    }
    if (!refusedShown.has(field)) warnings.push(`ignoring ${field} as the host policy (${policy.file}) allows: ${why}`);
    refusedShown.add(field);
  }
  const debug = IGNORED.filter(([, get]) => present(get(spec))).map(([f]) => `ignoring ${f}: not applicable to a FreeBSD jail`);
  return { warnings, debug };
}
