/**
 * check: validate a bundle, apply host policy and plan the container for a
 * backend, without touching the system. Works on any OS, so users and tests
 * see exactly what a container will get.
 */
import { invalid } from '../core/errors.js';
import { buildPlan } from '../plan/build.js';
import type { HostPolicy } from '../plan/policy.js';
import { readBundle } from './bundle.js';
import type { RuntimeContext } from './context.js';

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

export async function check(ctx: Pick<RuntimeContext, 'backend' | 'platform' | 'policy'>, opts: CheckOptions): Promise<CheckResult> {
  const platform = opts.platform ?? (ctx.platform === 'freebsd' ? 'freebsd' : 'linux');
  if (platform !== 'linux' && platform !== 'freebsd') throw invalid(`--platform: must be freebsd or linux, not "${platform}"`);
  const { bundle, spec } = await readBundle(opts.bundle);
  const plan = buildPlan('check', bundle, spec, { noPivot: false, noNewKeyring: false, preserveFds: 0 });
  const { plan: planned, text } = (await ctx.backend(platform)).explain(plan, opts.policy ?? ctx.policy());
  return { platform, plan: planned, text };
}
