/**
 * The Task service over the runtime library, in this process: Create, Start,
 * State, Kill, Delete, Wait, Pids, Pause, Resume, Connect and Shutdown;
 * Update, Stats and Checkpoint are resources.ts's, exec'd processes
 * (requests with an exec_id) execs.ts's. Events go out in the order
 * containerd requires (create → start → exit → delete). ResizePty and
 * terminals go through the helper's relay.
 */
import { RuntimeError } from '../core/errors.js';
import type { RuntimeContext } from '../runtime/context.js';
import { create } from '../runtime/create.js';
import { deleteContainer } from '../runtime/delete.js';
import type { HelperChannel } from '../runtime/helper.js';
import { kill } from '../runtime/kill.js';
import { pause, resume } from '../runtime/pause.js';
import { start } from '../runtime/start.js';
import { state } from '../runtime/state.js';
import * as ev from './proto/events.js';
import type { Init, MessageType } from './proto/message.js';
import { type Mount, TaskStatus } from './proto/task.js';
import { timestamp } from './proto/wkt.js';
import { execHandlers } from './execs.js';
import type { LoggerMeta } from './loggers.js';
import { taskPids } from './pids.js';
import { resourceHandlers } from './resources.js';
import { killAll, reapAfterInit, reaped } from './signalAll.js';
import { mountBundleRootfs, unmountBundleRootfs } from './rootfs.js';
import { type OpenStdio, type StdioPaths, openStdio } from './stdio.js';
import { Task } from './task.js';
import type { TaskHandlers } from './taskApi.js';
import { Code, StatusError, unimplemented } from './ttrpc/status.js';
import { resizePty } from './tty.js';

export interface TaskDeps {
  ctx: RuntimeContext;
  publish<T>(type: MessageType<T>, event: Init<T>): void;
  /** The helper for one container, with its stdio; the shim's child, never detached. */
  spawnHelper(preserveFds: number, stdio: OpenStdio): Promise<HelperChannel>;
  /** Called when Shutdown finds nothing left to serve. */
  shutdown(): void;
  mount?: (bundle: string, mounts: readonly Mount[]) => Promise<void>;
  unmount?: (bundle: string) => Promise<void>;
  open?: (p: StdioPaths, meta: LoggerMeta) => OpenStdio | Promise<OpenStdio>;
  /** The shim's -namespace (a binary:// logger's CONTAINER_NAMESPACE; containerd 1.6 sends Create none). */
  namespace?: string;
}

const STATUS: Record<string, TaskStatus> = {
  creating: TaskStatus.CREATED,
  created: TaskStatus.CREATED,
  running: TaskStatus.RUNNING,
  paused: TaskStatus.PAUSED,
  stopped: TaskStatus.STOPPED,
};

export function taskHandlers(deps: TaskDeps): TaskHandlers & { tasks: Map<string, Task> } {
  const { ctx, publish } = deps;
  const tasks = new Map<string, Task>();
  const mount = deps.mount ?? ((bundle: string, mounts: readonly Mount[]) => mountBundleRootfs(ctx, bundle, mounts));
  const unmount = deps.unmount ?? ((bundle: string) => unmountBundleRootfs(ctx, bundle));
  const now = () => ctx.clock.now();
  const execs = execHandlers(deps);
  const get = (id: string): Task => {
    const t = tasks.get(id);
    if (!t) throw new StatusError(Code.NotFound, `container ${id}: not found`);
    return t;
  };
  const publishExit = (t: Task) => {
    if (!t.exit || !t.started || t.exitPublished) return;
    t.exitPublished = true;
    publish(ev.TaskExit, { containerId: t.id, id: t.id, pid: t.pid, exitStatus: t.exit.status, exitedAt: timestamp(t.exit.at) });
  };

  return {
    tasks,
    ...resourceHandlers(ctx, (id) => get(id).id),
    async Create(req, call) {
      if (req.checkpoint) throw unimplemented('checkpoint restore is not implemented');
      if (tasks.has(req.id)) throw new StatusError(Code.AlreadyExists, `container ${req.id}: already exists`);
      await mount(req.bundle, req.rootfs);
      const io = { stdin: req.stdin, stdout: req.stdout, stderr: req.stderr, terminal: req.terminal };
      let stdio: OpenStdio | undefined;
      try {
        const opened = await (deps.open ?? openStdio)(io, { id: req.id, namespace: deps.namespace || call.namespace || '', signal: call.signal, log: ctx.log });
        stdio = opened;
        let helper: HelperChannel | undefined;
        const spawnHelper = async (n: number) => (helper = await deps.spawnHelper(n, opened));
        const { record } = await create({ ...ctx, spawnHelper }, { id: req.id, bundle: req.bundle, winsizeChannel: req.terminal }, 'run');
        const onExit = (x: Task) => {
          reapAfterInit(ctx, x); // what the init leaves dies with it, before its TaskExit
          publishExit(x);
        };
        const t = new Task(req.id, req.bundle, record.pid, io, opened, req.rootfs.length > 0, helper as HelperChannel, now, onExit);
        tasks.set(req.id, t);
        publish(ev.TaskCreate, { containerId: req.id, bundle: req.bundle, rootfs: req.rootfs, io, pid: t.pid });
        return { pid: t.pid };
      } catch (err) {
        await stdio?.close(true);
        if (req.rootfs.length) await unmount(req.bundle).catch((e: Error) => ctx.log.warn(`${req.id}: unmounting the rootfs: ${e.message}`));
        if (err instanceof RuntimeError) throw new RuntimeError(err.code, `OCI runtime create failed: ${err.message}`, err.details);
        throw err;
      } finally {
        stdio?.release();
      }
    },
    async Start(req) {
      const t = get(req.id);
      if (req.execId) return execs.start(t, execs.get(t, req.execId));
      await start(ctx, t.id);
      t.stdio.started();
      t.started = true;
      publish(ev.TaskStart, { containerId: t.id, pid: t.pid });
      publishExit(t); // an init that ended before Start returned
      return { pid: t.pid };
    },
    State(req) {
      const t = get(req.id);
      if (req.execId) return execs.state(t, execs.get(t, req.execId));
      const status = t.exit ? TaskStatus.STOPPED : (STATUS[state(ctx, t.id).status] ?? TaskStatus.UNKNOWN);
      return {
        id: t.id,
        bundle: t.bundle,
        pid: t.pid,
        status,
        ...t.io,
        exitStatus: t.exit?.status ?? 0,
        exitedAt: t.exit ? timestamp(t.exit.at) : undefined,
      };
    },
    async Kill(req) {
      const t = get(req.id);
      if (req.execId) return execs.kill(execs.get(t, req.execId), req.signal);
      if (req.all) await killAll(ctx, t, req.signal); // each process once, not again through its relay
      else if (t.exit) throw new StatusError(Code.NotFound, 'process already finished');
      else await kill(ctx, t.id, String(req.signal));
      return {};
    },
    async Wait(req) {
      const t = get(req.id);
      const e = await (req.execId ? execs.get(t, req.execId) : t).exited;
      return { exitStatus: e.status, exitedAt: timestamp(e.at) };
    },
    async Delete(req) {
      const t = get(req.id);
      if (req.execId) return execs.delete(t, execs.get(t, req.execId));
      const force = !t.started || t.exit !== undefined;
      await reaped(t);
      if (force) await execs.killAll(t); // their exits go out before the init's delete, as runc's shim does
      await deleteContainer(ctx, t.id, force);
      const e = await t.exited; // the helper ends with its init, which delete has killed
      await t.stdio.close();
      if (t.mounted) await unmount(t.bundle);
      tasks.delete(t.id);
      publishExit(t);
      publish(ev.TaskDelete, { containerId: t.id, id: t.id, pid: t.pid, exitStatus: e.status, exitedAt: timestamp(e.at) });
      return { pid: t.pid, exitStatus: e.status, exitedAt: timestamp(e.at) };
    },
    Pids(req) {
      return taskPids(ctx, get(req.id));
    },
    async Pause(req) {
      await pause(ctx, get(req.id).id);
      publish(ev.TaskPaused, { containerId: req.id });
      return {};
    },
    async Resume(req) {
      await resume(ctx, get(req.id).id);
      publish(ev.TaskResumed, { containerId: req.id });
      return {};
    },
    CloseIO(req) {
      const t = get(req.id);
      if (req.stdin) (req.execId ? execs.get(t, req.execId).stdio : t.stdio)?.closeStdin();
      return {};
    },
    async Exec(req) {
      return execs.exec(get(req.id), req);
    },
    ResizePty(req) {
      const t = get(req.id);
      return resizePty(req.execId ? execs.get(t, req.execId) : t, req.width, req.height);
    },
    Connect(req) {
      return { shimPid: process.pid, taskPid: tasks.get(req.id)?.pid ?? 0, version: '' };
    },
    Shutdown(req) {
      if (req.now || tasks.size === 0) setImmediate(() => deps.shutdown());
      return {};
    },
  };
}
