/** What every runtime operation is given: where state lives and where to log. */
import type { ProcessInfo } from '../platform/sandbox.js';
import { linuxProcessInfo } from '../platform/procinfo.js';
import type { Logger } from './log.js';
import { silentLogger } from './log.js';
import { Store } from './store.js';

export const DEFAULT_ROOT = '/var/run/runj';

export interface RuntimeContext {
  store: Store;
  log: Logger;
  /** The platform's process lookup (pid-reuse-safe liveness). */
  processInfo: (pid: number) => ProcessInfo | undefined;
  /** runc's --systemd-cgroup: accepted, and refused by create when a config would need it. */
  systemdCgroup: boolean;
}

export function createContext(
  opts: { root?: string; log?: Logger; processInfo?: RuntimeContext['processInfo']; systemdCgroup?: boolean } = {},
): RuntimeContext {
  return {
    systemdCgroup: opts.systemdCgroup === true,
    store: new Store(opts.root ?? DEFAULT_ROOT),
    log: opts.log ?? silentLogger,
    processInfo: opts.processInfo ?? linuxProcessInfo,
  };
}
