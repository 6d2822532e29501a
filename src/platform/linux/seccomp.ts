/**
 * linux.seccomp → helper records (native/README.md), applied in the helper
 * with libseccomp. Pure. Unknown syscall names are left for libseccomp to
 * skip, as runc does; SCMP_ACT_NOTIFY needs a listener runj does not run.
 */
import { invalid, unsupported } from '../../core/errors.js';
import type { PlanRecord, SeccompArg } from '../../backend/protocol.js';

const ACTIONS = new Set([
  'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_TRAP', 'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE', 'SCMP_ACT_ALLOW', 'SCMP_ACT_LOG',
]);
const OPS = new Set(['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ']);
const EPERM = 1;

interface Arg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}
interface Syscall {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: Arg[];
}
export interface Seccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  listenerPath?: string;
  syscalls?: Syscall[];
}

function action(name: string, where: string): string {
  if (name === 'SCMP_ACT_NOTIFY') throw unsupported(`${where}: SCMP_ACT_NOTIFY is not supported (runj runs no seccomp listener)`);
  if (!ACTIONS.has(name)) throw invalid(`${where}: unknown seccomp action "${name}"`);
  return name;
}

function errnoFor(act: string, errnoRet: number | undefined): number {
  if (act === 'SCMP_ACT_ERRNO') return errnoRet ?? EPERM;
  if (act === 'SCMP_ACT_TRACE') return errnoRet ?? 0;
  return 0;
}

/** uint64 values as decimal text (JSON numbers above 2^53 have lost precision already; keep what arrived). */
const u64 = (n: number | undefined) => BigInt(Math.trunc(n ?? 0)).toString();

export function seccompRecords(s: Seccomp): PlanRecord[] {
  const base = 'config.json: /linux/seccomp';
  if (s.listenerPath) throw unsupported(`${base}/listenerPath: seccomp listeners are not supported`);
  const def = action(s.defaultAction, `${base}/defaultAction`);
  const records: PlanRecord[] = [['seccomp-default', def, errnoFor(def, s.defaultErrnoRet)]];
  for (const arch of s.architectures ?? []) records.push(['seccomp-arch', arch]);
  for (const flag of s.flags ?? []) records.push(['seccomp-flag', flag]);
  (s.syscalls ?? []).forEach((sc, i) => {
    const act = action(sc.action, `${base}/syscalls/${i}/action`);
    const args = (sc.args ?? []).map((a, j): SeccompArg => {
      if (!OPS.has(a.op)) throw invalid(`${base}/syscalls/${i}/args/${j}/op: unknown operator "${a.op}"`);
      if (a.index < 0 || a.index > 5) throw invalid(`${base}/syscalls/${i}/args/${j}/index: must be 0 to 5`);
      return [a.index, a.op, u64(a.value), u64(a.valueTwo)];
    });
    for (const name of sc.names) {
      records.push(['seccomp-rule', act, errnoFor(act, sc.errnoRet), name, args]);
    }
  });
  return records;
}
