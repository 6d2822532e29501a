/**
 * The seam between the runtime and a platform backend. The runtime core
 * (src/runtime) only talks to this interface; src/platform/linux and
 * src/platform/freebsd implement it, and src/runtime/backends.ts picks one
 * (tests inject a recording fake through the runtime context).
 */
import type { HostPolicy } from '../plan/policy.js';
import type { Spec } from '../plan/spec.js';
import type { ContainerPlan, ProcessPlan } from '../plan/types.js';
import type { ContainerRecord } from './record.js';
import type { PlanRecord } from './protocol.js';

export interface ProcessInfo {
  /** Opaque start-time token; a different value for the same pid means the pid was reused. */
  startTime: string;
  zombie: boolean;
}

export interface Prepared<Plan> {
  /** The backend's own plan: handed back to setUp and records, never read by the runtime. */
  plan: Plan;
  warnings: string[];
  debug: string[];
  /** JSON saved in recovery.json before setUp, and handed to recover() when state.json cannot be used. */
  recovery: Record<string, unknown>;
}

/** What exec sends to put a new process into a running container. */
export interface ExecRecords {
  records: PlanRecord[];
  warnings: string[];
}

/**
 * A backend, typed over its own plan (prepare's result) and set-up data
 * (what setUp made, saved as the record's `sandbox` JSON). The runtime holds
 * the erased view `Sandbox` (= Sandbox<unknown, unknown>) and only ever hands
 * a backend back its own prepare() plan and setUp() result; what it reads back
 * from state.json each backend parses and checks itself (record.sandbox).
 * A typed backend converts to the erased view without a cast because methods'
 * parameters compare bivariantly: that is what lets the runtime hold any
 * backend, and why it must never pass one backend's plan to another.
 */
export interface Sandbox<Plan = unknown, SetUp = unknown> {
  readonly platform: string;
  /**
   * The new namespaces the helper may enter before it is sent its plan, from
   * config.json as read (not yet validated): a hint for its start-up, which the
   * helper checks against the plan. None where the backend has no namespaces.
   */
  earlyUnshare?(config: unknown): readonly string[];
  /** Checks the plan against this backend and host policy and translates it. No side effects. */
  prepare(plan: ContainerPlan, policy: HostPolicy): Prepared<Plan>;
  /**
   * Creates what must exist before the helper runs (a jail, mounts). Undoes
   * its own partial work on failure. The result is saved as record.sandbox.
   */
  setUp(plan: Plan): Promise<SetUp>;
  /** The helper records of the container's init (platform and process parts; the runtime adds the header), once setUp is done. */
  records(plan: Plan, setup: SetUp): PlanRecord[];
  /** Removes everything setUp made; safe to call twice and after a partial setUp. */
  tearDown(record: ContainerRecord): Promise<void>;
  /**
   * For a container whose state.json is unusable or whose create was
   * interrupted: kills every process of the container and removes what setUp
   * may have made, found from `recovery` (prepare()'s, saved in recovery.json
   * before setUp) or, when that is missing, from the id alone.
   */
  recover(id: string, recovery: unknown): Promise<void>;
  /** Sends a signal to every process of the container. */
  killAll(record: ContainerRecord, signal: number): void;
  /** Host pids of every process of the container. */
  listPids(record: ContainerRecord): number[];
  /** Helper records that put a new process into the running container (exec). */
  execRecords(record: ContainerRecord, process: ProcessPlan, spec: Pick<Spec, 'linux'>, policy: HostPolicy): ExecRecords;
  /** Freezes (pause) or thaws (resume) every process of the container. */
  freeze(record: ContainerRecord, on: boolean): void;
  /** Applies new resource limits (update); throws EUNSUPPORTED where the backend cannot. */
  update(record: ContainerRecord, resources: Record<string, unknown>): void;
  /** Resource usage for `events`, in runc's stats shape where the backend has the numbers. */
  stats(record: ContainerRecord): Record<string, unknown>;
  /** Why the init died before it was ready, when the backend knows (a Linux cgroup's OOM kill). */
  exitReason(record: ContainerRecord): string | undefined;
  /** `runj check`: the plan this backend would apply, as data and as text. No side effects. */
  explain(plan: ContainerPlan, policy: HostPolicy): { plan: unknown; text: string };
  /** The backend's part of the `features` document: mount options and platform sections. */
  features(): BackendFeatures;
  /**
   * A container root given as mounts (containerd's snapshot, Create's rootfs):
   * each is mounted on `target` in order, stacked, as containerd's mount
   * package does. A failure unmounts what this call mounted before it throws.
   */
  mountRootfs(target: string, mounts: readonly RootfsMount[]): Promise<void>;
  /**
   * Unmounts everything mountRootfs put on `target` (and anything left
   * mounted below it), last mounted first; nothing mounted there is no error.
   */
  unmountRootfs(target: string): Promise<void>;
}

/** One mount of a container root, as containerd describes it (containerd.types.Mount). */
export interface RootfsMount {
  type: string;
  source: string;
  /** A subdirectory of the target to mount on; containerd's FreeBSD snapshotters leave it empty. */
  target?: string;
  options: readonly string[];
}

export interface BackendFeatures {
  mountOptions: string[];
  /** Platform sections of the features document (runtime-spec features.md), e.g. `linux`. */
  sections: Record<string, unknown>;
}

export interface SignalTable {
  byName: Readonly<Record<string, number>>;
  /** The highest number kill(2) accepts as a signal (numbers 1..max). */
  max: number;
}
