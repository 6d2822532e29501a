/**
 * The container plan: what a container will be, decided from config.json and
 * the command line before anything on the system is touched. Platform
 * adapters (src/platform/*) turn it into system calls and helper records.
 */
import type { Capabilities, Hook, Mount, Spec } from './spec.js';

export interface ProcessPlan {
  args: string[];
  env: string[];
  cwd: string;
  uid: number;
  gid: number;
  additionalGids: number[];
  umask: number | undefined;
  rlimits: { type: string; soft: number; hard: number }[];
  noNewPrivileges: boolean;
  capabilities: Capabilities | undefined;
  oomScoreAdj: number | undefined;
  terminal: boolean;
  consoleSize: { height: number; width: number } | undefined;
}

export interface HookSet {
  prestart: Hook[];
  createRuntime: Hook[];
  createContainer: Hook[];
  startContainer: Hook[];
  poststart: Hook[];
  poststop: Hook[];
}

export interface PlanOptions {
  /** chroot instead of pivot_root (runc's --no-pivot). */
  noPivot: boolean;
  /** Do not create a new session keyring (runc's --no-new-keyring). */
  noNewKeyring: boolean;
  /** fds 3 .. 3+preserveFds-1 are passed to the container. */
  preserveFds: number;
}

export interface ContainerPlan {
  id: string;
  /** Absolute bundle directory. */
  bundle: string;
  /** Absolute rootfs path (root.path resolved against the bundle). */
  rootfs: string;
  readonlyRoot: boolean;
  hostname: string | undefined;
  domainname: string | undefined;
  /** OCI mounts in config order, with bind sources resolved against the bundle. */
  mounts: Mount[];
  process: ProcessPlan;
  hooks: HookSet;
  annotations: Record<string, string>;
  options: PlanOptions;
  /** The validated config, for the platform adapters' own sections. */
  spec: Spec;
}
