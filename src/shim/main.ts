/**
 * containerd-shim-runj-v1: containerd's runtime v2 shim for runj. containerd
 * runs it as `-namespace NS -address A -publish-binary B -id ID [-bundle P]
 * [-debug] start|delete`; `start` prints the address of the (daemonised)
 * server in the form containerd's version reads (reply.ts), `delete` a
 * DeleteResponse. stdout carries only that reply, and containerd merges
 * stderr into it, so Node warnings are silenced before anything can emit
 * one (they are queued to the next tick, after this module's top level).
 * Errors go to stderr, which containerd shows — they end the process, so
 * they never follow a reply.
 */
import * as fs from 'node:fs';
import { cleanupShim } from './cleanup.js';
import { parseFlags } from './flags.js';
import { READY_FD, startShim } from './launch.js';
import { shimLogger } from './log.js';
import { readSetup, readStdin, startReply } from './reply.js';
import { reportReady, serve } from './serve.js';

const VERSION = '0.1.0';

async function main(argv: readonly string[]): Promise<void> {
  const flags = parseFlags(argv);
  switch (flags.action) {
    case 'version':
      fs.writeSync(1, `containerd-shim-runj-v1 ${VERSION}\n`);
      return;
    case 'start': {
      // stdin first: containerd writes it (options or bootstrap) before reading the reply.
      const setup = readSetup({ id: flags.id, namespace: flags.namespace, env: process.env, stdin: readStdin() });
      const address = await startShim(flags, process.argv[1] as string);
      const protocol = setup.bootstrap ? `bootstrap (containerd ${setup.bootstrap.containerdVersion})` : 'legacy';
      const options = setup.options ? `runtime options ${setup.options.typeUrl} (ignored)` : 'no runtime options';
      shimLogger(flags.bundle || process.cwd(), flags.debug).debug(`${flags.id}: start, ${protocol}, ${options}: ${address}`);
      fs.writeSync(1, startReply(address, setup, process.env));
      return;
    }
    case 'delete':
      fs.writeSync(1, await cleanupShim(flags));
      return;
    case 'serve':
      await serve(flags, reportReady(READY_FD));
      process.exit(0);
  }
}

process.removeAllListeners('warning');
process.on('warning', () => {});
main(process.argv.slice(2)).catch((err: Error) => {
  try {
    fs.writeSync(2, `containerd-shim-runj-v1: ${err.message}\n`);
  } catch {}
  process.exitCode = 1;
});
