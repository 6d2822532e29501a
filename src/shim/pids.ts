/**
 * Pids: the container's processes as the backend lists them (cgroup on
 * Linux, jail on FreeBSD), execs tagged with their exec id in containerd's
 * runc shim's form (ProcessDetails). The helpers' relaying parent halves
 * join the cgroup or jail before they fork, so the listing has them; they
 * are the shim's own children waiting for the processes, not container
 * processes, and are left out.
 */
import type { RuntimeContext } from '../runtime/context.js';
import { pids } from '../runtime/ps.js';
import { ProcessDetails } from './proto/details.js';
import { packAny } from './proto/wkt.js';
import { relayPids } from './signalAll.js';
import type { Task } from './task.js';

export async function taskPids(ctx: RuntimeContext, t: Task) {
  const execs = [...t.execs.values()];
  const relays = relayPids(t);
  const byPid = new Map(execs.filter((e) => e.started).map((e) => [e.pid, e.id]));
  const info = (pid: number) => {
    const execId = byPid.get(pid);
    return execId === undefined ? undefined : packAny(ProcessDetails, { execId });
  };
  return { processes: (await pids(ctx, t.id)).filter((pid) => !relays.has(pid)).map((pid) => ({ pid, info: info(pid) })) };
}
