/** Helper records for the process part of a plan, common to every backend. Pure. */
import type { Hook } from '../plan/spec.js';
import type { HookSet, ProcessPlan } from '../plan/types.js';
import type { Record_ } from './helperProtocol.js';
import { rlimitRecords } from './linux/rlimits.js';

export function hookRecord(stage: 'createContainer' | 'startContainer', h: Hook): Record_ {
  const args = h.args ?? [];
  const env = h.env ?? [];
  return ['hook', stage, h.timeout ?? 0, h.path, args.length, ...args, env.length, ...env];
}

/** The process part of a plan; hooks only for a container's init (not for exec). */
export function processRecords(
  p: ProcessPlan,
  rlimitTable: Record<string, number>,
  hooks?: Pick<HookSet, 'createContainer' | 'startContainer'>,
): Record_[] {
  const records: Record_[] = [];
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
