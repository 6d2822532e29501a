/**
 * The long-lived shim (what `start` daemonises): one RuntimeContext whose
 * state root is per namespace (paths.ts), the Task service on the socket
 * containerd was told, events to TTRPC_ADDRESS. It exits when Shutdown finds
 * no container left to serve.
 */
import * as fs from 'node:fs';
import { createContext } from '../runtime/context.js';
import { Helper } from '../runtime/helper.js';
import type { ShimFlags } from './flags.js';
import { taskHandlers } from './handlers.js';
import { shimLogger } from './log.js';
import { runtimeRoot, socketAddress } from './paths.js';
import { EventPublisher } from './publisher.js';
import { registerTaskService } from './taskApi.js';
import { TtrpcServer } from './ttrpc/server.js';

/** Serves until Shutdown; `ready` is told once the socket listens (or why it could not). */
export async function serve(flags: ShimFlags, ready: (error?: string) => void): Promise<void> {
  const bundle = flags.bundle || process.cwd();
  const log = shimLogger(bundle, flags.debug);
  const server = new TtrpcServer();
  let pending: Promise<void> = Promise.resolve();
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => {
    done = r;
  });
  try {
    const ctx = await createContext({ root: runtimeRoot(flags.namespace), log });
    const publisher = new EventPublisher({
      address: process.env.TTRPC_ADDRESS || `${flags.address}.ttrpc`,
      namespace: flags.namespace,
    });
    const handlers = taskHandlers({
      ctx,
      namespace: flags.namespace,
      publish(type, event) {
        const sent = publisher.publish(type, event).catch((e: Error) => log.warn(`publishing ${type.name}: ${e.message}`));
        pending = pending.then(() => sent);
      },
      spawnHelper: async (n, stdio) => {
        const helper = Helper.spawn(n, { stdio: stdio.fds, detached: false });
        stdio.attach(helper.child.stdin);
        return helper;
      },
      shutdown() {
        // Events already queued (the last delete) reach containerd before the shim goes.
        void pending.then(async () => {
          publisher.close();
          await server.close();
          done();
        });
      },
    });
    registerTaskService(server, handlers);
    await server.listen(socketAddress(flags.address, flags.namespace, flags.id));
  } catch (err) {
    ready((err as Error).message);
    throw err;
  }
  ready();
  log.debug(`serving ${flags.namespace}/${flags.id} as pid ${process.pid}`);
  await finished;
}

/** The daemon's side of the readiness pipe `start` gave it as fd 3. */
export function reportReady(fd: number): (error?: string) => void {
  return (error) => {
    try {
      fs.writeSync(fd, error ? `error ${error}\n` : 'ok\n');
      fs.closeSync(fd);
    } catch {}
  };
}
