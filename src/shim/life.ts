/**
 * When a shared shim may exit: containerd sends Shutdown after each
 * container's Delete, and the shim goes only when no container is left and
 * no `start` has just joined it. A `start` that finds the group's shim
 * listening announces its container (a Connect carrying JOIN_KEY metadata);
 * until that container's Create arrives (or the hold lapses) the shim stays,
 * so containerd never connects to a shim that left in between. A shim that
 * has begun to leave refuses joins: that `start` spawns a new shim.
 */
export const JOIN_KEY = 'runj-shim-join';
export const JOIN_HOLD_MS = 30_000;

export class ShimLife {
  private readonly joins = new Map<string, NodeJS.Timeout>();
  private wanted = false;
  closing = false;

  constructor(
    private readonly taskCount: () => number,
    private readonly exit: () => void,
    private readonly holdMs = JOIN_HOLD_MS,
  ) {}

  /** A `start` for `id` found this shim; false when it is leaving. */
  join(id: string): boolean {
    if (this.closing) return false;
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
    this.closing = true;
    for (const t of this.joins.values()) clearTimeout(t);
    this.joins.clear();
    this.exit();
  }
}
