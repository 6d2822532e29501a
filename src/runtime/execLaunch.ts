/**
 * The part of exec that any caller shares: the running container's record,
 * a process from an OCI Process document (validated with the process
 * schema), its labels refused or ignored by policy, the backend's exec
 * records, and the helper conversation up to `ready`. `runj exec` builds on
 * it; so does the containerd shim, with its own spawnHelper (the helper stays
 * its child) and the HelperChannel it gets back.
 */
import { helperPlan } from '../backend/protocol.js';
import { RuntimeError } from '../core/errors.js';
import { processPlan } from '../plan/build.js';
import type { Process } from '../plan/spec.js';
import type { RuntimeContext } from './context.js';
import { checkLabelFlags } from './execLabels.js';
import type { HelperChannel } from './helper.js';
import { validateId } from './ids.js';
import { currentStatus } from './liveness.js';
import { checkPreservedFds } from './preservedFds.js';
import { check } from './status.js';
import type { ContainerRecord } from './store.js';
import { relayFork, terminalRecords } from './terminal.js';

export interface ExecLaunch {
  proc: Process;
  /** The process came from this document (a file name): its own labels are checked here, named as its fields. */
  document?: string | undefined;
  /** run: the helper's parent half waits for the process and exits with its status. */
  mode: 'create' | 'run';
  preserveFds?: number | undefined;
  consoleSocket?: string | undefined;
  /** The caller sets the relayed pty's size itself (HelperChannel.resize). */
  winsizeChannel?: boolean | undefined;
}

export interface Launched {
  helper: HelperChannel;
  /** The process's pid as the host sees it. */
  pid: number;
}

/** The container exec joins: it must be running (runc's "cannot exec in a stopped container"). */
export function runningRecord(ctx: RuntimeContext, idArg: string): ContainerRecord {
  const id = validateId(idArg);
  const record = ctx.store.load(id);
  check('exec', currentStatus(ctx, record), id);
  return record;
}

/** An OCI Process document (exec --process, the shim's exec spec), checked against the process schema. */
export async function processFromDocument(doc: unknown, name: string): Promise<Process> {
  const { validateProcessDocument } = await import('../plan/validate.js');
  return validateProcessDocument(doc, name);
}

/** A document's own labels are refused (or ignored by policy) like the flags: never dropped. */
export function checkDocumentLabels(ctx: RuntimeContext, id: string, proc: Process, document: string): void {
  const labels = { apparmor: proc.apparmorProfile, processLabel: proc.selinuxLabel };
  for (const w of checkLabelFlags(labels, ctx.policy(), document)) ctx.log.warn(`${id}: exec: ${w}`);
}

/** Spawns the helper for the process and follows it to `ready`. */
export async function launchExec(ctx: RuntimeContext, record: ContainerRecord, l: ExecLaunch): Promise<Launched> {
  const { id } = record;
  const { proc } = l;
  if (l.document !== undefined) checkDocumentLabels(ctx, id, proc, l.document);
  const preserveFds = l.preserveFds ?? 0;
  checkPreservedFds(preserveFds);
  const terminal = terminalRecords(proc.terminal === true, proc.consoleSize, l.consoleSocket, l.mode === 'run', l.winsizeChannel);
  const sandbox = await ctx.backend(record.platform);
  const planned = sandbox.execRecords(record, processPlan(proc), { linux: { seccomp: record.execDefaults?.seccomp } }, ctx.policy());
  for (const w of planned.warnings) ctx.log.warn(`${id}: exec: ${w}`);
  const helper = await ctx.spawnHelper(preserveFds);
  helper.send(helperPlan({ mode: l.mode, exec: true, preserveFds }, [...terminal, ...relayFork(terminal, planned.records), ...planned.records]));
  let pid = 0;
  for (;;) {
    const m = await helper.next();
    if (m.type === 'pid') pid = m.pid;
    else if (m.type === 'ready') return { helper, pid };
    else if (m.type === 'error') throw new RuntimeError('EHELPER', m.msg, { stage: m.stage });
    else if (m.type === 'eof') throw new RuntimeError('EHELPER', 'exec: the process exited before it started');
  }
}
