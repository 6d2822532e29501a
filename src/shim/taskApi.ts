/**
 * The Task service's 17 RPCs with their message types, and its registration
 * under both names containerd dials: containerd.task.v2.Task (1.6, 1.7) and
 * containerd.task.v3.Task (2.x); the two differ only in the package name.
 * A method without a handler answers Unimplemented, as the protocol requires.
 */
import type { Init, MessageOf, MessageType } from './proto/message.js';
import * as t from './proto/task.js';
import { Empty } from './proto/wkt.js';
import type { TtrpcServer } from './ttrpc/server.js';
import { type AnyMethod, type CallContext, method } from './ttrpc/service.js';
import { unimplemented } from './ttrpc/status.js';

export const TASK_SERVICES = ['containerd.task.v2.Task', 'containerd.task.v3.Task'] as const;

export const TASK_METHODS = {
  State: [t.StateRequest, t.StateResponse],
  Create: [t.CreateTaskRequest, t.CreateTaskResponse],
  Start: [t.StartRequest, t.StartResponse],
  Delete: [t.DeleteRequest, t.DeleteResponse],
  Pids: [t.PidsRequest, t.PidsResponse],
  Pause: [t.PauseRequest, Empty],
  Resume: [t.ResumeRequest, Empty],
  Checkpoint: [t.CheckpointTaskRequest, Empty],
  Kill: [t.KillRequest, Empty],
  Exec: [t.ExecProcessRequest, Empty],
  ResizePty: [t.ResizePtyRequest, Empty],
  CloseIO: [t.CloseIORequest, Empty],
  Update: [t.UpdateTaskRequest, Empty],
  Wait: [t.WaitRequest, t.WaitResponse],
  Stats: [t.StatsRequest, t.StatsResponse],
  Connect: [t.ConnectRequest, t.ConnectResponse],
  Shutdown: [t.ShutdownRequest, Empty],
} as const satisfies Record<string, readonly [MessageType<unknown>, MessageType<unknown>]>;

type Methods = typeof TASK_METHODS;
export type TaskMethod = keyof Methods;
export type TaskRequest<M extends TaskMethod> = MessageOf<Methods[M][0]>;
export type TaskResponse<M extends TaskMethod> = MessageOf<Methods[M][1]>;

/** The handlers a Task service implementation provides; any may be left out. */
export type TaskHandlers = {
  [M in TaskMethod]?: (req: TaskRequest<M>, ctx: CallContext) => Promise<Init<TaskResponse<M>>> | Init<TaskResponse<M>>;
};

/** Registers the handlers under both Task service names. */
export function registerTaskService(server: TtrpcServer, handlers: TaskHandlers): void {
  const service: Record<string, AnyMethod> = {};
  for (const name of Object.keys(TASK_METHODS) as TaskMethod[]) {
    const [request, response] = TASK_METHODS[name];
    const handle = handlers[name] as ((req: unknown, ctx: CallContext) => unknown) | undefined;
    service[name] = method(request as MessageType<unknown>, response as MessageType<unknown>, (req, ctx) => {
      if (!handle) throw unimplemented(`${name} is not implemented`);
      return handle(req, ctx) as Init<unknown>;
    });
  }
  for (const name of TASK_SERVICES) server.register(name, service);
}
