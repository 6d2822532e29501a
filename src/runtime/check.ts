/**
 * check: validate a bundle, apply host policy and plan the container for a
 * backend, without touching the system. Works on any OS, so users and tests
 * see exactly what a container will get.
 */
import { buildPlan } from '../plan/build.js';
import { type HostPolicy, loadPolicy } from '../plan/policy.js';
import { translateLinux } from '../platform/linux/translate.js';
import { readBundle } from './bundle.js';
import { invalid } from './errors.js';

export interface CheckOptions {
  bundle?: string | undefined;
  platform?: string | undefined;
  policy?: HostPolicy | undefined;
}

export interface CheckResult {
  platform: string;
  plan: unknown;
  text: string;
}

export async function check(opts: CheckOptions): Promise<CheckResult> {
  const platform = opts.platform ?? (process.platform === 'freebsd' ? 'freebsd' : 'linux');
  if (platform !== 'linux' && platform !== 'freebsd') throw invalid(`--platform: must be freebsd or linux, not "${platform}"`);
  const { bundle, spec } = await readBundle(opts.bundle);
  const plan = buildPlan('check', bundle, spec, { noPivot: false, noNewKeyring: false, preserveFds: 0 });
  const policy = opts.policy ?? loadPolicy();
  if (platform === 'freebsd') {
    const { planFreeBSD, formatFreeBSDPlan, readRunjExt } = await import('../platform/freebsd/sandbox.js');
    const fp = planFreeBSD(plan, policy, readRunjExt(bundle));
    return { platform, plan: fp, text: formatFreeBSDPlan(fp) };
  }
  const { hostLayout } = await import('../platform/linux/cgroups.js');
  const t = translateLinux(plan, policy, { lastCap: 40, cgroups: hostLayout(), seccomp: true });
  const lines = ['helper records', ...t.records.map((r) => `  ${r.join(' ')}`)];
  for (const w of t.warnings) lines.push(`warning: ${w}`);
  for (const d of t.debug) lines.push(`debug: ${d}`);
  return { platform, plan: t, text: `${lines.join('\n')}\n` };
}
