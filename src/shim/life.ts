/**
 * When a shared shim may exit: containerd sends Shutdown after each
 * container's Delete, and the shim goes only when no container is left and
 * no `start` has just joined it. A `start` that finds the group's shim
 * listening announces its container (a Connect carrying JOIN_KEY metadata);
 * until that container's Create arrives (or the hold lapses) the shim stays,
 * so containerd never connects to a shim that left in between. A shim that
 * has begun to leave refuses joins: that `start` spawns a new shim.
 *
 * With no container left the shim lingers idle a while (RUNJ_SHIM_LINGER
 * seconds, 10 by default, 0 for none) before it goes: the next container of
 * the namespace then joins it instead of paying for a new Node process and
 * its start-up, which is most of a `ctr run`'s time (docs/shim.md has the
 * figures). Idle, it holds no container, mount or helper: only its socket.
 */
import { invalid } from '../core/errors.js';

export const JOIN_KEY = 'runj-shim-join';
export const JOIN_HOLD_MS = 30_000;
export const LINGER_ENV = 'RUNJ_SHIM_LINGER';
const LINGER_DEFAULT_MS = 10_000;
const LINGER_MAX_S = 86_400;

/** How long an idle shim stays, from containerd's environment. */
export function lingerMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = env[LINGER_ENV];
  if (!v) return LINGER_DEFAULT_MS;
  if (!/^\d+(\.\d+)?$/.test(v) || Number(v) > LINGER_MAX_S) {
    throw invalid(`${LINGER_ENV}=${v}: expected seconds from 0 to ${LINGER_MAX_S}`);
  }
  return Math.round(Number(v) * 1000);
}

export class ShimLife {
  private readonly joins = new Map<string, NodeJS.Timeout>();
  private wanted = false;
  private idle: NodeJS.Timeout | undefined;
  closing = false;

  constructor(
    private readonly taskCount: () => number,
    private readonly exit: () => void,
    private readonly holdMs = JOIN_HOLD_MS,
    private readonly lingerMs = 0,
  ) {}

  /** A `start` for `id` found this shim; false when it is leaving. */
  join(id: string): boolean {
    if (this.closing) return false;
    clearTimeout(this.idle);
    this.idle = undefined;
    clearTimeout(this.joins.get(id));
    this.joins.set(
      id,
      setTimeout(() => {
        this.joins.delete(id);
        this.check(false);
      }, this.holdMs),
    );
    return true;
  }

  /** Create for `id` finished (either way): the join is settled. */
  created(id: string): void {
    clearTimeout(this.joins.get(id));
    this.joins.delete(id);
    this.check(false);
  }

  shutdown(now: boolean): void {
    this.wanted = true;
    this.check(now);
  }

  private check(now: boolean): void {
    if (!this.wanted || this.closing) return;
    if (!now && (this.taskCount() > 0 || this.joins.size > 0)) return;
    if (!now && this.lingerMs > 0) {
      if (this.idle === undefined) {
        this.idle = setTimeout(() => {
          this.idle = undefined;
          this.leave(false);
        }, this.lingerMs);
      }
      return;
    }
    this.leave(now);
  }

  private leave(now: boolean): void {
    if (this.closing || (!now && (this.taskCount() > 0 || this.joins.size > 0))) return;
    clearTimeout(this.idle);
    this.closing = true;
    for (const t of this.joins.values()) clearTimeout(t);
    this.joins.clear();
    this.exit();
  }
}
