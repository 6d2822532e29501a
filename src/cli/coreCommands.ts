/**
 * The commands of the core bundle (src/mainCore.ts): those that neither
 * validate nor plan a bundle, run once per operation by podman, buildah and
 * containerd's runc shim. build/bundle.mjs writes these names into
 * dist/runj.cjs, which starts the core bundle for them.
 */
import type { CommandTable } from './entry.js';

export const CORE_COMMANDS: CommandTable = {
  start: () => import('./commands/start.js'),
  state: () => import('./commands/state.js'),
  kill: () => import('./commands/kill.js'),
  delete: () => import('./commands/delete.js'),
  list: () => import('./commands/list.js'),
  ps: () => import('./commands/ps.js'),
  pause: () => import('./commands/pause.js'),
  resume: () => import('./commands/resume.js'),
  events: () => import('./commands/events.js'),
};
