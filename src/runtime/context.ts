/**
 * What every runtime operation is given, and all it reaches the system
 * through: where state lives, where to log, the backend, the clock, process
 * lookup and signalling, the helper and hook processes, exec.fifo and host
 * policy. createContext fills in the real ones; unit tests pass fakes for
 * any of them (test/unit/fakes) and run every operation without root.
 */
import type { ProcessInfo, Sandbox } from '../backend/sandbox.js';
import { type Logger, silentLogger } from '../core/log.js';
import { type Clock, systemClock } from '../core/time.js';
import { type HostPolicy, loadPolicy } from '../plan/policy.js';
import type { Hook } from '../plan/spec.js';
import { loadSandbox, processInfoFor } from './backends.js';
import { type FifoResult, releaseExecFifo } from './fifo.js';
import type { HelperChannel } from './helper.js';
import { Store } from './store.js';

export const DEFAULT_ROOT = '/var/run/runj';

export interface RuntimeContext {
  store: Store;
  log: Logger;
  /** The host's platform: the backend a new container gets. */
  platform: string;
  /** The backend of a platform (the host's, or the one a record names). */
  backend(platform: string): Promise<Sandbox>;
  /** The platform's process lookup (pid-reuse-safe liveness). */
  processInfo(pid: number): ProcessInfo | undefined;
  /** kill(2) to one host pid; throws as process.kill does (ESRCH, EPERM). */
  signal(pid: number, signal: number | NodeJS.Signals): void;
  clock: Clock;
  /**
   * Starts the native helper (create, run, exec); fds 3.. up to preserveFds are passed on.
   * `unshare`: new namespaces it may enter before its plan (Sandbox.earlyUnshare), a
   * hint a spawner may drop (the helper then unshares them with the plan).
   */
  spawnHelper(preserveFds: number, unshare?: readonly string[]): Promise<HelperChannel>;
  /** Runs one runtime-side hook (prestart, createRuntime, poststart, poststop). */
  runHook(stage: string, hook: Hook, state: string): Promise<void>;
  /** Opens exec.fifo and reads the helper's answer (start). */
  releaseFifo(file: string, alive: () => boolean): FifoResult;
  /** Host policy, read when an operation first needs it. */
  policy(): HostPolicy;
  /** How long an operation waits for another one's container lock before ELOCKED. */
  lockTimeoutMs: number;
  /** runc's --systemd-cgroup: accepted, and refused by create when a config would need it. */
  systemdCgroup: boolean;
}

export type ContextOptions = Partial<Omit<RuntimeContext, 'store'>> & { root?: string };

export async function createContext(opts: ContextOptions = {}): Promise<RuntimeContext> {
  const platform = opts.platform ?? process.platform;
  let policy: HostPolicy | undefined;
  return {
    store: new Store(opts.root ?? DEFAULT_ROOT),
    log: opts.log ?? silentLogger,
    platform,
    backend: opts.backend ?? loadSandbox,
    processInfo: opts.processInfo ?? (await processInfoFor(platform)),
    signal: opts.signal ?? ((pid, sig) => void process.kill(pid, sig)),
    clock: opts.clock ?? systemClock,
    // Loaded when first used (create, run, exec); started through runj's addon, so
    // no command loads node:child_process for it (helperDirect.ts).
    spawnHelper: opts.spawnHelper ?? (async (n, early) => (await import('./helperDirect.js')).DirectHelper.spawn(n, early)),
    runHook: opts.runHook ?? (async (stage, hook, state) => (await import('./hooks.js')).runHook(stage, hook, state)),
    releaseFifo: opts.releaseFifo ?? ((file, alive) => releaseExecFifo(file, alive)),
    policy: opts.policy ?? (() => (policy ??= loadPolicy())),
    lockTimeoutMs: opts.lockTimeoutMs ?? 30_000,
    systemdCgroup: opts.systemdCgroup === true,
  };
}
