/**
 * containerd's Task API messages (containerd.task.v2 and .v3 differ only in
 * the package name) with the field numbers of the protocol, plus the shared
 * types they use (containerd.types.Mount, containerd.v1.types.ProcessInfo).
 */
import { type MessageOf, f, message } from './message.js';
import { Any, Timestamp } from './wkt.js';

/** containerd.v1.types.Status */
export const TaskStatus = { UNKNOWN: 0, CREATED: 1, RUNNING: 2, STOPPED: 3, PAUSED: 4, PAUSING: 5 } as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

export const Mount = message('containerd.types.Mount', {
  type: f.string(1),
  source: f.string(2),
  target: f.string(3),
  options: f.repeatedString(4),
});
export type Mount = MessageOf<typeof Mount>;

export const ProcessInfo = message('containerd.v1.types.ProcessInfo', { pid: f.uint32(1), info: f.message(2, Any) });

const idExec = { id: f.string(1), execId: f.string(2) };
const idOnly = { id: f.string(1) };
const P = 'containerd.task.v2.';

export const StateRequest = message(`${P}StateRequest`, idExec);
export const StateResponse = message(`${P}StateResponse`, {
  id: f.string(1),
  bundle: f.string(2),
  pid: f.uint32(3),
  status: f.enum<TaskStatus>(4),
  stdin: f.string(5),
  stdout: f.string(6),
  stderr: f.string(7),
  terminal: f.bool(8),
  exitStatus: f.uint32(9),
  exitedAt: f.message(10, Timestamp),
  execId: f.string(11),
});
export const CreateTaskRequest = message(`${P}CreateTaskRequest`, {
  id: f.string(1),
  bundle: f.string(2),
  rootfs: f.messages(3, Mount),
  terminal: f.bool(4),
  stdin: f.string(5),
  stdout: f.string(6),
  stderr: f.string(7),
  checkpoint: f.string(8),
  parentCheckpoint: f.string(9),
  options: f.message(10, Any),
});
export const CreateTaskResponse = message(`${P}CreateTaskResponse`, { pid: f.uint32(1) });
export const StartRequest = message(`${P}StartRequest`, idExec);
export const StartResponse = message(`${P}StartResponse`, { pid: f.uint32(1) });
export const DeleteRequest = message(`${P}DeleteRequest`, idExec);
export const DeleteResponse = message(`${P}DeleteResponse`, {
  pid: f.uint32(1),
  exitStatus: f.uint32(2),
  exitedAt: f.message(3, Timestamp),
});
export const PidsRequest = message(`${P}PidsRequest`, idOnly);
export const PidsResponse = message(`${P}PidsResponse`, { processes: f.messages(1, ProcessInfo) });
export const PauseRequest = message(`${P}PauseRequest`, idOnly);
export const ResumeRequest = message(`${P}ResumeRequest`, idOnly);
export const CheckpointTaskRequest = message(`${P}CheckpointTaskRequest`, {
  id: f.string(1),
  path: f.string(2),
  options: f.message(3, Any),
});
export const KillRequest = message(`${P}KillRequest`, {
  id: f.string(1),
  execId: f.string(2),
  signal: f.uint32(3),
  all: f.bool(4),
});
export const ExecProcessRequest = message(`${P}ExecProcessRequest`, {
  id: f.string(1),
  execId: f.string(2),
  terminal: f.bool(3),
  stdin: f.string(4),
  stdout: f.string(5),
  stderr: f.string(6),
  spec: f.message(7, Any),
});
export const ResizePtyRequest = message(`${P}ResizePtyRequest`, {
  id: f.string(1),
  execId: f.string(2),
  width: f.uint32(3),
  height: f.uint32(4),
});
export const CloseIORequest = message(`${P}CloseIORequest`, { id: f.string(1), execId: f.string(2), stdin: f.bool(3) });
export const UpdateTaskRequest = message(`${P}UpdateTaskRequest`, {
  id: f.string(1),
  resources: f.message(2, Any),
  annotations: f.map(3),
});
export const WaitRequest = message(`${P}WaitRequest`, idExec);
export const WaitResponse = message(`${P}WaitResponse`, { exitStatus: f.uint32(1), exitedAt: f.message(2, Timestamp) });
export const StatsRequest = message(`${P}StatsRequest`, idOnly);
export const StatsResponse = message(`${P}StatsResponse`, { stats: f.message(1, Any) });
export const ConnectRequest = message(`${P}ConnectRequest`, idOnly);
export const ConnectResponse = message(`${P}ConnectResponse`, {
  shimPid: f.uint32(1),
  taskPid: f.uint32(2),
  version: f.string(3),
});
export const ShutdownRequest = message(`${P}ShutdownRequest`, { id: f.string(1), now: f.bool(2) });
