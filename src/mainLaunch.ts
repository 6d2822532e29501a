/**
 * runj's entry point for create, run and exec (src/cli/launchCommands.ts),
 * built per platform (dist/runj-launch-<platform>.cjs) with only that
 * platform's backend, as the core bundle is (src/mainCore.ts): half the bytes
 * of the bundle of every command to read and compile. Any other argv is
 * handed to the full bundle.
 *
 * The build runs one create in this bundle before it makes the bundle's code
 * cache (build/warm.mjs), so the cache holds every function create compiles,
 * not only the top level: it sets the global below, and gets a way to run
 * these commands with its own command line, context and exit.
 */
import { type CliOptions, runCli, runSubset } from './cli/entry.js';
import { LAUNCH_COMMANDS } from './cli/launchCommands.js';
import { loadSandbox } from './runtime/backends.js';

export interface WarmUp {
  run(opts: CliOptions): void;
  loadSandbox: typeof loadSandbox;
}

const warm = (globalThis as Record<symbol, unknown>)[Symbol.for('runj.warmUp')];
if (typeof warm === 'function') (warm as (w: WarmUp) => void)({ run: (opts) => runCli(LAUNCH_COMMANDS, opts), loadSandbox });
else runSubset(LAUNCH_COMMANDS);
