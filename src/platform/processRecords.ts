/** Helper records for the process part of a plan, common to every backend. Pure. */
import type { Hook } from '../plan/spec.js';
import type { HookSet, ProcessPlan } from '../plan/types.js';
import type { HookStage, PlanRecord } from '../backend/protocol.js';
import { invalid } from '../core/errors.js';

export function hookRecord(stage: HookStage, h: Hook): PlanRecord {
  return ['hook', stage, h.timeout ?? 0, h.path, h.args ?? [], h.env ?? []];
}

/** The process part of a plan; hooks only for a container's init (not for exec). */
export function processRecords(
  p: ProcessPlan,
  rlimitTable: Record<string, number>,
  hooks?: Pick<HookSet, 'createContainer' | 'startContainer'>,
): PlanRecord[] {
  const records: PlanRecord[] = [];
  for (const a of p.args) records.push(['arg', a]);
  for (const e of p.env) records.push(['env', e]);
  records.push(['cwd', p.cwd], ['user', p.uid, p.gid], ['groups', ...p.additionalGids]);
  if (p.umask !== undefined) records.push(['umask', p.umask]);
  records.push(...rlimitRecords(p.rlimits, rlimitTable));
  if (p.noNewPrivileges) records.push(['no-new-privs']);
  for (const h of hooks?.createContainer ?? []) records.push(hookRecord('createContainer', h));
  for (const h of hooks?.startContainer ?? []) records.push(hookRecord('startContainer', h));
  return records;
}

/** uint64 max (RLIM_INFINITY) arrives as 2^64 after JSON parsing: anything from 2^63 up is infinity. */
export function limitValue(n: number): string {
  return n >= 2 ** 63 ? '-1' : String(n);
}

export function rlimitRecords(
  rlimits: readonly { type: string; soft: number; hard: number }[],
  table: Record<string, number>,
): PlanRecord[] {
  return rlimits.map((r, i): PlanRecord => {
    const resource = table[r.type];
    if (resource === undefined) throw invalid(`config.json: /process/rlimits/${i}/type: unknown rlimit "${r.type}"`);
    if (r.soft > r.hard) throw invalid(`config.json: /process/rlimits/${i}: soft limit exceeds hard limit`);
    return ['rlimit', resource, limitValue(r.soft), limitValue(r.hard)];
  });
}
