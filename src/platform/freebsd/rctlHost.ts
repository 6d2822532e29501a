/**
 * Applying rctl rules to a jail through the Host: RACCT must be on
 * (kern.racct.enable, a boot-time tunable; kern_rctl.c answers every rctl
 * call with ENOSYS otherwise), rules are added with rctl_add_rule(2) (a deny
 * rule replaces one that differs only in amount, rctl_rule_add), removed by
 * filter with rctl_remove_rule(2) (ESRCH: nothing matched), and read back
 * with rctl_get_racct(2) and rctl_get_rules(2).
 */
import { RuntimeError } from '../../core/errors.js';
import { E } from './errno.js';
import type { SyscallError } from './ffi.js';
import { type RctlRule, jailFilter, parseRacct, parseRules, racctStats, ruleText } from './rctl.js';
import type { Host } from './host.js';

const errnoOf = (err: unknown) => (err as SyscallError | undefined)?.errno;

/** Throws a clear error unless resource accounting is on. */
export function requireRacct(host: Host, where: string): void {
  const on = host.sys.racctEnabled();
  if (on === true) return;
  if (on === undefined) {
    throw new RuntimeError('EUNSUPPORTED', `${where}: resource limits need RACCT/RCTL, and this kernel has no RACCT/RCTL (no kern.racct.enable): build it with options RACCT and RCTL`);
  }
  throw new RuntimeError('EUNSUPPORTED', `${where}: resource limits need RACCT/RCTL, and kern.racct.enable is 0: set kern.racct.enable=1 in /boot/loader.conf and reboot`);
}

export function addRules(host: Host, jail: string, rules: readonly RctlRule[]): void {
  for (const r of rules) host.sys.rctlAddRule(ruleText(jail, r));
}

/** Removes the jail's rules (all, or for the given resources); nothing to remove is fine. */
export function removeRules(host: Host, jail: string, resources?: readonly RctlRule['resource'][]): void {
  for (const filter of resources ? resources.map((res) => `${jailFilter(jail)}:${res}`) : [jailFilter(jail)]) {
    try {
      host.sys.rctlRemoveRule(filter);
    } catch (err) {
      if (errnoOf(err) !== E.ESRCH) throw err;
    }
  }
}

/** At delete: every rule on the jail's name goes (they outlive the jail). Without RACCT there are none. */
export function removeAllRules(host: Host, jail: string): void {
  if (host.sys.racctEnabled() !== true) return;
  removeRules(host, jail);
}

/** runc's stats shape; {} when the kernel keeps no accounting. */
export function jailStats(host: Host, jail: string): Record<string, unknown> {
  if (host.sys.racctEnabled() !== true) return {};
  const usage = parseRacct(host.sys.rctlGetRacct(jailFilter(jail)));
  return racctStats(usage, parseRules(host.sys.rctlGetRules(jailFilter(jail))));
}
