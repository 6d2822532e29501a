/**
 * The shim's task events (containerd.events.*), their topics, and the ttrpc
 * Forward call that carries them to containerd
 * (containerd.services.events.ttrpc.v1.Events/Forward).
 */
import { type MessageOf, f, message } from './message.js';
import { Mount } from './task.js';
import { Any, Timestamp } from './wkt.js';

const E = 'containerd.events.';

export const TaskIO = message(`${E}TaskIO`, {
  stdin: f.string(1),
  stdout: f.string(2),
  stderr: f.string(3),
  terminal: f.bool(4),
});
export const TaskCreate = message(`${E}TaskCreate`, {
  containerId: f.string(1),
  bundle: f.string(2),
  rootfs: f.messages(3, Mount),
  io: f.message(4, TaskIO),
  checkpoint: f.string(5),
  pid: f.uint32(6),
});
export const TaskStart = message(`${E}TaskStart`, { containerId: f.string(1), pid: f.uint32(2) });
export const TaskDelete = message(`${E}TaskDelete`, {
  containerId: f.string(1),
  pid: f.uint32(2),
  exitStatus: f.uint32(3),
  exitedAt: f.message(4, Timestamp),
  id: f.string(5),
});
export const TaskExit = message(`${E}TaskExit`, {
  containerId: f.string(1),
  id: f.string(2),
  pid: f.uint32(3),
  exitStatus: f.uint32(4),
  exitedAt: f.message(5, Timestamp),
});
export const TaskOOM = message(`${E}TaskOOM`, { containerId: f.string(1) });
export const TaskExecAdded = message(`${E}TaskExecAdded`, { containerId: f.string(1), execId: f.string(2) });
export const TaskExecStarted = message(`${E}TaskExecStarted`, {
  containerId: f.string(1),
  execId: f.string(2),
  pid: f.uint32(3),
});
export const TaskPaused = message(`${E}TaskPaused`, { containerId: f.string(1) });
export const TaskResumed = message(`${E}TaskResumed`, { containerId: f.string(1) });
export const TaskCheckpointed = message(`${E}TaskCheckpointed`, { containerId: f.string(1), checkpoint: f.string(2) });

/** Each event's topic by message name, as containerd's shims publish them. */
export const TOPICS: Readonly<Record<string, string>> = {
  [TaskCreate.name]: '/tasks/create',
  [TaskStart.name]: '/tasks/start',
  [TaskExit.name]: '/tasks/exit',
  [TaskDelete.name]: '/tasks/delete',
  [TaskExecAdded.name]: '/tasks/exec-added',
  [TaskExecStarted.name]: '/tasks/exec-started',
  [TaskPaused.name]: '/tasks/paused',
  [TaskResumed.name]: '/tasks/resumed',
  [TaskOOM.name]: '/tasks/oom',
  [TaskCheckpointed.name]: '/tasks/checkpointed',
};

export const Envelope = message('containerd.services.events.ttrpc.v1.Envelope', {
  timestamp: f.message(1, Timestamp),
  namespace: f.string(2),
  topic: f.string(3),
  event: f.message(4, Any),
});
export type Envelope = MessageOf<typeof Envelope>;
export const ForwardRequest = message('containerd.services.events.ttrpc.v1.ForwardRequest', {
  envelope: f.message(1, Envelope),
});
export const EVENTS_SERVICE = 'containerd.services.events.ttrpc.v1.Events';
