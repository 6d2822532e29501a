/**
 * The commands of the launch bundle (src/mainLaunch.ts): those that validate
 * a bundle or process and start the helper. build/bundle.mjs writes these
 * names into dist/runj.cjs, which starts the launch bundle for them.
 */
import type { CommandTable } from './entry.js';

export const LAUNCH_COMMANDS: CommandTable = {
  create: () => import('./commands/create.js'),
  run: () => import('./commands/run.js'),
  exec: () => import('./commands/exec.js'),
};
