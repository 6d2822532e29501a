/**
 * Resource limits as rctl(8) rules on the jail (rctl_add_rule(2), subject
 * `jail:<name>`), from the spec's linux.resources fields that have a
 * FreeBSD meaning: memory.limit → memoryuse, memory.swap (memory plus
 * swap, as in the spec) → swapuse, pids.limit → maxproc, cpu.quota/period →
 * pcpu (percent of one CPU). Every rule is a `deny`: the kernel refuses the
 * allocation beyond it (kern_rctl.c, RCTL_ACTION_DENY). Usage for `events
 * --stats` comes from rctl_get_racct(2). Pure.
 */
import { invalid } from '../../core/errors.js';

export interface RctlRule {
  resource: 'memoryuse' | 'swapuse' | 'maxproc' | 'pcpu';
  amount: number;
}

const DEFAULT_PERIOD = 100_000;

type Res = Record<string, Record<string, unknown> | undefined>;

function int(v: unknown, where: string, what = 'an integer'): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw invalid(`${where}: must be ${what}`);
  return v > 0 ? v : undefined; // 0 and -1: no limit
}

/** The rules for a resources object (config.json's linux.resources, or `runj update`'s), in a fixed order. */
export function rctlRules(resources: Record<string, unknown> | undefined, where: string): RctlRule[] {
  const r = (resources ?? {}) as Res;
  const rules: RctlRule[] = [];
  const limit = int(r.memory?.limit, `${where}/memory/limit`, 'an integer number of bytes');
  const swap = int(r.memory?.swap, `${where}/memory/swap`, 'an integer number of bytes');
  if (limit !== undefined) rules.push({ resource: 'memoryuse', amount: limit });
  if (swap !== undefined) {
    if (limit === undefined) throw invalid(`${where}/memory/swap: a memory+swap limit needs memory.limit`);
    if (swap < limit) throw invalid(`${where}/memory/swap: ${swap} is below memory.limit ${limit} (swap is memory plus swap)`);
    rules.push({ resource: 'swapuse', amount: swap - limit });
  }
  const pids = int(r.pids?.limit, `${where}/pids/limit`);
  if (pids !== undefined) rules.push({ resource: 'maxproc', amount: pids });
  const quota = int(r.cpu?.quota, `${where}/cpu/quota`, 'an integer number of microseconds');
  if (quota !== undefined) {
    const p = r.cpu?.period;
    if (p !== undefined && (typeof p !== 'number' || !Number.isSafeInteger(p) || p <= 0)) {
      throw invalid(`${where}/cpu/period: must be a positive number of microseconds`);
    }
    rules.push({ resource: 'pcpu', amount: Math.ceil((quota * 100) / ((p as number | undefined) ?? DEFAULT_PERIOD)) });
  }
  return rules;
}

/** rctl(8) syntax: subject:subject-id:resource:action=amount. */
export function ruleText(jail: string, r: RctlRule): string {
  return `jail:${jail}:${r.resource}:deny=${r.amount}`;
}

/** The filter that matches every rule of the jail (rctl_remove_rule, rctl_get_racct): rctl(8)'s `jail:NAME`. */
export function jailFilter(jail: string): string {
  return `jail:${jail}`;
}

/** rctl_get_racct(2)'s "resource=amount,..." text. */
export function parseRacct(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.trim().split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq)] = Number(part.slice(eq + 1));
  }
  return out;
}

/** runc's stats shape (cputime is in seconds, runc's total in nanoseconds). */
export function racctStats(usage: Record<string, number>, rules: readonly RctlRule[]): Record<string, unknown> {
  const limitOf = (res: RctlRule['resource']) => rules.find((r) => r.resource === res)?.amount;
  const memLimit = limitOf('memoryuse');
  const pidLimit = limitOf('maxproc');
  return {
    cpu: { usage: { total: (usage.cputime ?? 0) * 1e9 } },
    memory: { usage: { usage: usage.memoryuse ?? 0, ...(memLimit !== undefined && { limit: memLimit }) } },
    pids: { current: usage.maxproc ?? 0, ...(pidLimit !== undefined && { limit: pidLimit }) },
  };
}

/** The resources a resources object sets to "no limit" (-1, or 0 for pids), whose rules go. */
export function unlimitedResources(resources: Record<string, unknown>): RctlRule['resource'][] {
  const r = resources as Res;
  const off = (v: unknown) => typeof v === 'number' && v <= 0;
  const out: RctlRule['resource'][] = [];
  if (off(r.memory?.limit)) out.push('memoryuse', 'swapuse');
  else if (off(r.memory?.swap)) out.push('swapuse');
  if (off(r.pids?.limit)) out.push('maxproc');
  if (off(r.cpu?.quota)) out.push('pcpu');
  return out;
}

/** rctl_get_rules(2)'s comma-separated rules → the deny rules among them. */
export function parseRules(text: string): RctlRule[] {
  const out: RctlRule[] = [];
  for (const rule of text.split(',')) {
    const m = /^jail:[^:]*:(memoryuse|swapuse|maxproc|pcpu):deny=(\d+)/.exec(rule.trim());
    if (m) out.push({ resource: m[1] as RctlRule['resource'], amount: Number(m[2]) });
  }
  return out;
}
