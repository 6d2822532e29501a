/**
 * The container record (state.json): what the runtime saves and hands to
 * the backend, which keeps its own data under `sandbox`.
 */
import type { Hook, Process } from '../plan/spec.js';

export type Status = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

export interface ContainerRecord {
  ociVersion: string;
  id: string;
  pid: number;
  status: Status;
  bundle: string;
  rootfs: string;
  created: string;
  /** The creator's user name, in records of earlier builds only (`list` shows the state directory's owner). */
  owner?: string;
  annotations?: Record<string, string>;
  /** Process start time as the platform reports it: guards against pid reuse. */
  startTime?: string;
  platform: string;
  /**
   * The backend's setUp() result as JSON (jail id, mounts, cgroup), read back
   * and checked by the backend that wrote it; absent until setUp is done.
   */
  sandbox?: unknown;
  /** Hooks that run after create returns (kept so a changed bundle cannot alter them). */
  hooks?: { poststart?: Hook[]; poststop?: Hook[] };
  /** What `exec` starts from: the config's process and the seccomp profile every process gets. */
  execDefaults?: { process: Process | undefined; seccomp: Record<string, unknown> | undefined };
}
