/**
 * exec: a new process in a running container, from a process file
 * (--process, validated against the process schema) or from the container's
 * own process with the command line's changes. Without --detach runj waits
 * and returns the process's exit status (128+signal when killed).
 */
import type { Process } from '../plan/spec.js';
import type { RuntimeContext } from './context.js';
import { invalid, usage } from '../core/errors.js';
import { forwardUntilExit } from './forward.js';
import { readJsonFile } from '../core/json.js';
import { PROCESS_MAX } from '../core/readLimited.js';
import { type LabelFlags, checkLabelFlags } from './execLabels.js';
import { writeFileAtomic } from './store.js';
import { launchExec, processFromDocument, runningRecord } from './execLaunch.js';

export interface ExecOptions extends LabelFlags {
  id: string;
  processFile?: string | undefined;
  args: string[];
  tty?: boolean | undefined;
  consoleSocket?: string | undefined;
  detach?: boolean | undefined;
  pidFile?: string | undefined;
  preserveFds?: number | undefined;
  env?: string[] | undefined;
  cwd?: string | undefined;
  user?: string | undefined;
  additionalGids?: string[] | undefined;
  noNewPrivs?: boolean | undefined;
  caps?: string[] | undefined;
}

async function readProcessFile(file: string): Promise<Process> {
  return processFromDocument(readJsonFile(file, { max: PROCESS_MAX, what: 'process file' }), file);
}

/** 4294967295 is (uid_t)-1, which setuid/setgid take as "no change": the process would stay root. */
function checkId(flag: string, n: string, what: 'uid' | 'gid'): void {
  if (Number(n) > 4294967294) throw invalid(`${flag}: ${n} is not a valid ${what}: must be at most 4294967294 ((${what}_t)-1 means "no change")`);
}

/** runc's exec flags applied over the container's process. */
export function processFromFlags(base: Process | undefined, o: ExecOptions): Process {
  if (!o.args.length) throw usage('exec: a command is required (or --process FILE)');
  const p: Process = structuredClone(base ?? { user: { uid: 0, gid: 0 }, cwd: '/' });
  p.args = o.args;
  p.terminal = o.tty === true;
  delete p.consoleSize;
  if (o.cwd) p.cwd = o.cwd;
  const env = new Map((p.env ?? []).map((e) => [e.split('=')[0], e] as const));
  for (const e of o.env ?? []) {
    if (!/^[^=]+=/.test(e)) throw invalid(`--env: "${e}" is not of the form KEY=VALUE`);
    env.set(e.split('=')[0], e);
  }
  p.env = [...env.values()];
  if (o.user) {
    const m = /^(\d+)(?::(\d+))?$/.exec(o.user);
    if (!m) throw invalid(`--user: "${o.user}" must be UID[:GID] (numbers)`);
    for (const [n, what] of [[m[1], 'uid'], [m[2], 'gid']] as const) if (n !== undefined) checkId('--user', n, what);
    p.user = { ...p.user, uid: Number(m[1]), gid: m[2] === undefined ? p.user.gid : Number(m[2]) };
  }
  if (o.additionalGids?.length) {
    p.user = { ...p.user, additionalGids: o.additionalGids.map((g) => {
      if (!/^\d+$/.test(g)) throw invalid(`--additional-gids: "${g}" is not a number`);
      checkId('--additional-gids', g, 'gid');
      return Number(g);
    }) };
  }
  if (o.noNewPrivs) p.noNewPrivileges = true;
  if (o.caps?.length) {
    const c = p.capabilities ?? {};
    for (const set of ['bounding', 'effective', 'permitted', 'ambient'] as const) c[set] = [...new Set([...(c[set] ?? []), ...o.caps])];
    p.capabilities = c;
  }
  return p;
}

export async function exec(ctx: RuntimeContext, o: ExecOptions): Promise<number> {
  const record = runningRecord(ctx, o.id);
  const { id } = record;
  for (const w of checkLabelFlags(o, ctx.policy())) ctx.log.warn(`${id}: exec: ${w}`);
  const proc = o.processFile ? await readProcessFile(o.processFile) : processFromFlags(record.execDefaults?.process, o);
  if (o.processFile && o.tty) proc.terminal = true;
  const { helper, pid } = await launchExec(ctx, record, {
    proc,
    document: o.processFile,
    mode: o.detach ? 'create' : 'run',
    preserveFds: o.preserveFds,
    consoleSocket: o.consoleSocket,
  });
  if (o.pidFile) writeFileAtomic(o.pidFile, String(pid));
  if (o.detach) {
    helper.detach();
    return 0;
  }
  return forwardUntilExit(helper);
}
