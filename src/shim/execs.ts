/**
 * The Task API for exec'd processes (requests with an exec_id): Exec
 * registers one (TaskExecAdded), Start runs it through the runtime's exec
 * (TaskExecStarted with its pid), its exit is a TaskExit whose id is the
 * exec id; State, Wait, Kill, Delete, CloseIO and ResizePty act on it.
 * Events keep containerd's order: exec-added → exec-started → exit.
 */
import { constants } from 'node:os';
import type { RuntimeContext } from '../runtime/context.js';
import type { HelperChannel } from '../runtime/helper.js';
import { checkDocumentLabels, launchExec, processFromDocument, runningRecord } from '../runtime/execLaunch.js';
import { ExecProcess } from './execProcess.js';
import * as ev from './proto/events.js';
import type { Init, MessageType } from './proto/message.js';
import { TaskStatus } from './proto/task.js';
import { type Any, timestamp } from './proto/wkt.js';
import type { LoggerMeta } from './loggers.js';
import { type OpenStdio, type StdioPaths, openStdio } from './stdio.js';
import type { Task } from './task.js';
import { Code, StatusError } from './ttrpc/status.js';

export const PROCESS_TYPE_URL = 'types.containerd.io/opencontainers/runtime-spec/1/Process';

export interface ExecRequest {
  id: string;
  execId: string;
  terminal: boolean;
  stdin: string;
  stdout: string;
  stderr: string;
  spec?: Any | undefined;
}

/** The exec spec: an Any holding the OCI Process as JSON, checked like `runj exec --process`. */
async function specProcess(spec: Any | undefined) {
  if (!spec?.value.length) throw new StatusError(Code.InvalidArgument, 'exec spec: missing (an OCI Process is required)');
  const url = spec.typeUrl.replace(/^\//, '');
  if (url !== PROCESS_TYPE_URL) throw new StatusError(Code.InvalidArgument, `exec spec: type ${JSON.stringify(spec.typeUrl)}, expected ${PROCESS_TYPE_URL}`);
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(spec.value).toString('utf8'));
  } catch (e) {
    throw new StatusError(Code.InvalidArgument, `exec spec: not valid JSON: ${(e as Error).message}`);
  }
  return processFromDocument(doc, 'exec spec');
}

/** What execs need of the Task handlers' dependencies (handlers.ts TaskDeps). */
export interface ExecDeps {
  ctx: RuntimeContext;
  publish<T>(type: MessageType<T>, event: Init<T>): void;
  spawnHelper(preserveFds: number, stdio: OpenStdio): Promise<HelperChannel>;
  open?: (p: StdioPaths, meta: LoggerMeta) => OpenStdio | Promise<OpenStdio>;
  /** The shim's -namespace: a binary:// logger's CONTAINER_NAMESPACE. */
  namespace?: string;
}

export function execHandlers(deps: ExecDeps) {
  const { ctx, publish } = deps;
  const now = () => ctx.clock.now();
  const publishExit = (t: Task, e: ExecProcess) => {
    if (!e.exit || !e.started || e.exitPublished) return;
    e.exitPublished = true;
    publish(ev.TaskExit, { containerId: t.id, id: e.id, pid: e.pid, exitStatus: e.exit.status, exitedAt: timestamp(e.exit.at) });
  };
  const get = (t: Task, execId: string): ExecProcess => {
    const e = t.execs.get(execId);
    if (!e) throw new StatusError(Code.NotFound, `exec ${execId} of container ${t.id}: not found`);
    return e;
  };

  return {
    get,
    async exec(t: Task, req: ExecRequest) {
      if (t.execs.has(req.execId)) throw new StatusError(Code.AlreadyExists, `exec ${req.execId} of container ${t.id}: already exists`);
      if (t.exit) throw new StatusError(Code.FailedPrecondition, `container ${t.id} has stopped: cannot exec in a stopped container`);
      const proc = await specProcess(req.spec);
      checkDocumentLabels(ctx, t.id, proc, 'exec spec');
      proc.terminal = req.terminal; // the request's IO decides, as it does for containerd's shims
      // Two Exec calls may race past the checks above while the spec is validated.
      if (t.execs.has(req.execId)) throw new StatusError(Code.AlreadyExists, `exec ${req.execId} of container ${t.id}: already exists`);
      t.execs.set(req.execId, new ExecProcess(t.id, req.execId, { stdin: req.stdin, stdout: req.stdout, stderr: req.stderr }, req.terminal, proc));
      publish(ev.TaskExecAdded, { containerId: t.id, execId: req.execId });
      return {};
    },
    async start(t: Task, e: ExecProcess) {
      if (e.starting || e.started) throw new StatusError(Code.FailedPrecondition, `exec ${e.id}: already started`);
      e.starting = true;
      let stdio: OpenStdio | undefined;
      let helper: HelperChannel | undefined;
      try {
        const record = runningRecord(ctx, t.id);
        const opened = await (deps.open ?? openStdio)(e.io, { id: t.id, namespace: deps.namespace ?? '', log: ctx.log });
        stdio = opened;
        // Known as a relay from its spawn on: Kill(all) and Pids leave it out (signalAll.ts).
        const spawnHelper = async (n: number) => (helper = e.launching = await deps.spawnHelper(n, opened));
        const launched = await launchExec({ ...ctx, spawnHelper }, record, { proc: e.proc, mode: 'run', winsizeChannel: e.terminal });
        opened.started();
        e.running(launched.helper, launched.pid, opened, now, (x) => publishExit(t, x));
        publish(ev.TaskExecStarted, { containerId: t.id, execId: e.id, pid: e.pid });
        if (t.exit) {
          try {
            ctx.signal(e.pid, constants.signals.SIGKILL); // the init ended meanwhile: it goes with it (signalAll.ts)
          } catch {} // gone already
        }
        publishExit(t, e); // a process that ended before Start returned
        return { pid: e.pid };
      } catch (err) {
        await stdio?.close(true);
        if (helper) {
          helper.kill();
          await helper.exited();
        }
        throw err;
      } finally {
        e.starting = false;
        e.launching = undefined;
        stdio?.release();
      }
    },
    state(t: Task, e: ExecProcess) {
      const status = e.exit ? TaskStatus.STOPPED : e.started ? TaskStatus.RUNNING : TaskStatus.CREATED;
      return {
        id: e.id,
        execId: e.id,
        bundle: t.bundle,
        pid: e.pid,
        status,
        ...e.io,
        terminal: e.terminal,
        exitStatus: e.exit?.status ?? 0,
        exitedAt: e.exit ? timestamp(e.exit.at) : undefined,
      };
    },
    kill(e: ExecProcess, signal: number) {
      if (e.exit) throw new StatusError(Code.NotFound, 'process already finished');
      if (!e.started) throw new StatusError(Code.FailedPrecondition, `exec ${e.id}: not started`);
      ctx.signal(e.pid, signal);
      return {};
    },
    async delete(t: Task, e: ExecProcess) {
      if (e.starting || (e.started && !e.exit)) throw new StatusError(Code.FailedPrecondition, `exec ${e.id}: cannot delete a running process`);
      t.execs.delete(e.id);
      await e.stdio?.close(); // its logger ends once the output has drained
      return { pid: e.pid, exitStatus: e.exit?.status ?? 0, exitedAt: e.exit ? timestamp(e.exit.at) : undefined };
    },
    /** Before the init's delete: running execs are killed, and their exits published first. */
    async killAll(t: Task) {
      const running = [...t.execs.values()].filter((e) => e.started && !e.exit);
      for (const e of running) {
        try {
          ctx.signal(e.pid, constants.signals.SIGKILL);
        } catch {} // already gone: its exit is on its way
      }
      await Promise.all(running.map((e) => e.exited));
      await Promise.all([...t.execs.values()].map((e) => e.stdio?.close()));
      t.execs.clear();
    },
  };
}
