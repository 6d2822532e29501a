/**
 * exec's --apparmor and --process-label (runc's flags for the new process's
 * AppArmor profile and SELinux label). No runj backend applies either: the
 * Linux backend loads no LSM profile and a jail has no such thing. Dropping
 * one silently would run the process less confined than asked, so each is
 * refused like config.json's process.apparmorProfile / process.selinuxLabel,
 * under the same host-policy "ignore" names. An empty value means "none"
 * (clients that always pass the flag).
 */
import { unsupported } from '../core/errors.js';
import type { HostPolicy } from '../plan/policy.js';

export interface LabelFlags {
  apparmor?: string | undefined;
  processLabel?: string | undefined;
}

const FLAGS: readonly [string, keyof LabelFlags, string, string][] = [
  ['--apparmor', 'apparmor', 'process.apparmorProfile', 'AppArmor is'],
  ['--process-label', 'processLabel', 'process.selinuxLabel', 'SELinux labels are'],
];

/**
 * Throws EUNSUPPORTED for a flag the policy does not ignore; returns the
 * warnings for those it does. `file`: the labels came from an
 * `exec --process` file's apparmorProfile / selinuxLabel, named as fields of it.
 */
export function checkLabelFlags(o: LabelFlags, policy: HostPolicy, file?: string): string[] {
  const warnings: string[] = [];
  for (const [flag, key, field, what] of FLAGS) {
    if (!o[key]) continue;
    const name = file ? `${file}: /${field.slice('process.'.length)}` : flag;
    if (!policy.ignore.has(field)) {
      throw unsupported(`exec: ${name}: ${what} not supported by this backend; list "${field}" under "ignore" in the host policy to run without it`);
    }
    warnings.push(`ignoring ${name} as the host policy (${policy.file}) allows`);
  }
  return warnings;
}
