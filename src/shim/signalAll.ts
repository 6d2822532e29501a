/**
 * Signalling every process of a container from the shim: Kill with `all`,
 * and the clean-up when the init ends on its own.
 *
 * The backend lists the container's processes by host pid: cgroup.procs on
 * Linux, the kern.proc entries carrying the jail's id on FreeBSD. Both lists
 * include the helpers' relaying parent halves (the shim's own children; they
 * join the cgroup or jail before they fork), and a relay forwards the
 * catchable signals it gets to its process (native/relay.c). Signalling the
 * whole list would deliver such a signal twice to the init and to each exec.
 * So the relays are left out and every other listed process is signalled
 * directly, once. Signalling the relays alone would not do, on either
 * backend: a relay forwards only to its own child, never to that child's
 * children (a shell's pipeline, a daemon's workers, orphans of an init
 * without a pid namespace), and it cannot forward SIGKILL or SIGSTOP, which
 * would end or stop the relay itself instead of the process. A relay's pid
 * is the one the shim spawned, the same host pid either listing shows.
 */
import { constants } from 'node:os';
import type { RuntimeContext } from '../runtime/context.js';
import { currentStatus } from '../runtime/liveness.js';
import { pids } from '../runtime/ps.js';
import { parseSignal } from '../runtime/signals.js';
import { check } from '../runtime/status.js';
import type { Task } from './task.js';

/** The helpers' relaying parent halves: the init's and each exec's, from its spawn on. */
export function relayPids(t: Task): Set<number | undefined> {
  return new Set([t.helper.pid, ...[...t.execs.values()].flatMap((e) => [e.helper?.pid, e.launching?.pid])]);
}

/** Every listed process but the relays gets `signal` once; the init last, so none it leaves is re-parented and missed. */
async function signalListed(ctx: RuntimeContext, t: Task, signal: number): Promise<void> {
  const relays = relayPids(t);
  const listed = (await pids(ctx, t.id)).filter((pid) => !relays.has(pid));
  for (const pid of [...listed.filter((p) => p !== t.pid), ...listed.filter((p) => p === t.pid)]) {
    try {
      ctx.signal(pid, signal);
    } catch {} // gone in between
  }
}

/** Kill with `all`: as the runtime's kill --all (a stopped container is no error), without the relays. */
export async function killAll(ctx: RuntimeContext, t: Task, signal: number): Promise<void> {
  const sig = parseSignal(String(signal));
  const status = currentStatus(ctx, ctx.store.load(t.id));
  if (status === 'stopped') return;
  check('kill', status, t.id);
  await signalListed(ctx, t, sig);
}

const reaping = new WeakMap<Task, Promise<void>>();

/**
 * The init has ended: what it leaves is killed now, as containerd's runc
 * shim does (its KillAll when the container has no pid namespace of its
 * own; with one the kernel has done it already, and this finds nothing).
 * Running execs get SIGKILL at once, before the init's TaskExit goes out,
 * so theirs follow it; then the rest of the listing (orphans of the init).
 * On FreeBSD a jail has no such init: this is what ends its processes.
 */
export function reapAfterInit(ctx: RuntimeContext, t: Task): void {
  for (const e of t.execs.values()) {
    if (!e.started || e.exit) continue;
    try {
      ctx.signal(e.pid, constants.signals.SIGKILL);
    } catch {} // already gone: its exit is on its way
  }
  const rest = signalListed(ctx, t, constants.signals.SIGKILL).catch((e: Error) => ctx.log.debug(`${t.id}: after the init's exit: ${e.message}`));
  reaping.set(t, rest);
}

/** Delete waits for that, so it never signals pids listed for a container already gone. */
export function reaped(t: Task): Promise<void> {
  return reaping.get(t) ?? Promise.resolve();
}
