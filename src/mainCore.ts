/**
 * runj's entry point for the core commands (src/cli/coreCommands.ts): built
 * per platform (dist/runj-core-<platform>.cjs, build/bundle.mjs) with only
 * that platform's backend, it is about a third of the size of the bundle of
 * every command, and reading and compiling the bundle is most of a light
 * command's own time (docs/performance.md). dist/runj.cjs picks it for
 * those commands; any other argv is handed to the full bundle.
 */
import { CORE_COMMANDS } from './cli/coreCommands.js';
import { runSubset } from './cli/entry.js';

runSubset(CORE_COMMANDS);
