/**
 * runj's entry point for create, run and exec (src/cli/launchCommands.ts),
 * built per platform (dist/runj-launch-<platform>.cjs) with only that
 * platform's backend, as the core bundle is (src/mainCore.ts): half the bytes
 * of the bundle of every command to read and compile. Any other argv is
 * handed to the full bundle.
 */
import { LAUNCH_COMMANDS } from './cli/launchCommands.js';
import { runSubset } from './cli/entry.js';

runSubset(LAUNCH_COMMANDS);
