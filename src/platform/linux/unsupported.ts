/**
 * Fields the Linux development backend cannot apply. Each is refused with an
 * error naming it unless the host policy lists it under "ignore"; ignored
 * fields come back as warnings. Pure.
 */
import type { HostPolicy } from '../../plan/policy.js';
import { present } from '../../plan/present.js';
import type { Spec } from '../../plan/spec.js';
import { unsupported } from '../../core/errors.js';

const REFUSED: readonly [string, (s: Spec) => unknown][] = [
  ['linux.intelRdt', (s) => s.linux?.intelRdt],
  ['linux.personality', (s) => s.linux?.personality],
  ['linux.timeOffsets', (s) => s.linux?.timeOffsets],
  ['linux.memoryPolicy', (s) => s.linux?.memoryPolicy],
  ['linux.netDevices', (s) => s.linux?.netDevices],
  ['process.apparmorProfile', (s) => s.process?.apparmorProfile],
  ['process.ioPriority', (s) => s.process?.ioPriority],
  ['process.scheduler', (s) => s.process?.scheduler],
  ['process.execCPUAffinity', (s) => s.process?.execCPUAffinity],
  ['mounts.uidMappings', (s) => s.mounts?.find((m) => m.uidMappings?.length || m.gidMappings?.length)],
];

/** SELinux labels: meaningless on a host without SELinux (nothing is labelled there), refused on one with it. */
const SELINUX: readonly [string, (s: Spec) => unknown][] = [
  ['linux.mountLabel', (s) => s.linux?.mountLabel],
  ['process.selinuxLabel', (s) => s.process?.selinuxLabel],
];

export interface FieldReport {
  warnings: string[];
  debug: string[];
}

export function checkUnsupported(spec: Spec, policy: HostPolicy, selinux = false): FieldReport {
  const warnings: string[] = [];
  const debug: string[] = [];
  for (const [field] of SELINUX.filter(([, get]) => !selinux && present(get(spec)))) {
    debug.push(`ignoring ${field}: SELinux is not enabled on this host`);
  }
  for (const [field, get] of selinux ? [...REFUSED, ...SELINUX] : REFUSED) {
    if (!present(get(spec))) continue;
    if (!policy.ignore.has(field)) {
      throw unsupported(`config.json: ${field}: the Linux backend cannot apply it; list it under "ignore" in the host policy to run without it`);
    }
    warnings.push(`ignoring ${field} as the host policy (${policy.file}) allows`);
  }
  return { warnings, debug };
}
