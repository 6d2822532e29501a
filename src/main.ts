/**
 * runj's entry point with every command (dist/runj-main.cjs). The commands
 * that neither validate nor plan a bundle also have a smaller one
 * (src/mainCore.ts), and so do create, run and exec (src/mainLaunch.ts);
 * src/cli/entry.ts is the command line itself.
 */
import { type CommandTable, runCli } from './cli/entry.js';

const COMMANDS: CommandTable = {
  create: () => import('./cli/commands/create.js'),
  start: () => import('./cli/commands/start.js'),
  state: () => import('./cli/commands/state.js'),
  kill: () => import('./cli/commands/kill.js'),
  delete: () => import('./cli/commands/delete.js'),
  run: () => import('./cli/commands/run.js'),
  list: () => import('./cli/commands/list.js'),
  spec: () => import('./cli/commands/spec.js'),
  features: () => import('./cli/commands/features.js'),
  check: () => import('./cli/commands/check.js'),
  demo: () => import('./cli/commands/demo.js'),
  exec: () => import('./cli/commands/exec.js'),
  ps: () => import('./cli/commands/ps.js'),
  pause: () => import('./cli/commands/pause.js'),
  resume: () => import('./cli/commands/resume.js'),
  events: () => import('./cli/commands/events.js'),
  update: () => import('./cli/commands/update.js'),
  checkpoint: () => import('./cli/commands/checkpoint.js'),
  restore: () => import('./cli/commands/checkpoint.js'),
  extension: () => import('./cli/commands/extension.js'),
  ext: () => import('./cli/commands/extension.js'),
};

runCli(COMMANDS);
