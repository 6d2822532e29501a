/**
 * The long-lived shim (what `start` daemonises): one RuntimeContext whose
 * state root is per namespace (paths.ts), the Task service on the group's
 * socket (-socket, see group.ts), events to TTRPC_ADDRESS (or through the
 * publish binary). It may serve many containers of one namespace, and exits
 * when Shutdown finds none left to serve (life.ts).
 */
import * as fs from 'node:fs';
import { createContext } from '../runtime/context.js';
import { Helper } from '../runtime/helper.js';
import type { ShimFlags } from './flags.js';
import { taskHandlers } from './handlers.js';
import { JOIN_HOLD_MS, JOIN_KEY, ShimLife, lingerMs } from './life.js';
import { shimLogger } from './log.js';
import { runtimeRoot, socketAddress } from './paths.js';
import { EventPublisher } from './publisher.js';
import { listenExclusive } from './socket.js';
import { registerTaskService } from './taskApi.js';
import { TtrpcServer } from './ttrpc/server.js';
import { Code, StatusError } from './ttrpc/status.js';

/** What the daemon tells `start`: listening, a live shim already serves the group, or why it failed. */
export type ReadyAnswer = 'ok' | 'busy' | { error: string };

/** Serves until Shutdown; `ready` is told once the socket listens (or why it does not). */
export async function serve(flags: ShimFlags, ready: (answer: ReadyAnswer) => void): Promise<void> {
  const bundle = flags.bundle || process.cwd();
  const log = shimLogger(bundle, flags.debug);
  const address = flags.socket || socketAddress(flags.address, flags.namespace, flags.id);
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
      publishBinary: flags.publishBinary,
      grpcAddress: flags.address,
    });
    let leaving = false;
    const leave = () => {
      if (leaving) return;
      leaving = true;
      log.debug(`shim ${process.pid}: no container left, exiting`);
      // The socket goes first, so a `start` for the group spawns a new shim at
      // once; events already queued (the last delete) still reach containerd,
      // on the publisher's own connection, before this process goes.
      void server
        .close()
        .then(() => pending)
        .then(() => {
          publisher.close();
          done();
        });
    };
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
      shutdown: leave,
    });
    const life = new ShimLife(() => handlers.tasks.size, leave, JOIN_HOLD_MS, lingerMs());
    const { Create, Connect, Delete } = handlers;
    registerTaskService(server, {
      ...handlers,
      async Create(req, call) {
        log.debug(`${req.id}: create in shim ${process.pid} (${handlers.tasks.size} served)`);
        try {
          const created = await (Create as NonNullable<typeof Create>)(req, call);
          log.attach(req.bundle);
          return created;
        } finally {
          life.created(req.id);
        }
      },
      async Delete(req, call) {
        const bundle = req.execId ? undefined : handlers.tasks.get(req.id)?.bundle;
        const deleted = await (Delete as NonNullable<typeof Delete>)(req, call);
        log.debug(`${req.id}: deleted, shim ${process.pid} serves ${handlers.tasks.size} more`);
        if (bundle) log.detach(bundle); // containerd stops reading it now
        return deleted;
      },
      Connect(req, call) {
        if (call.metadata.has(JOIN_KEY)) {
          if (!life.join(req.id)) throw new StatusError(Code.Unavailable, 'shim is shutting down');
          log.debug(`${req.id}: joins shim ${process.pid}`);
        }
        return (Connect as NonNullable<typeof Connect>)(req, call);
      },
      Shutdown(req) {
        setImmediate(() => life.shutdown(req.now)); // after this reply is on its way
        return {};
      },
    });
    if ((await listenExclusive(server, address)) === 'busy') {
      publisher.close();
      ready('busy');
      return;
    }
  } catch (err) {
    ready({ error: (err as Error).message });
    throw err;
  }
  ready('ok');
  log.debug(`serving ${address} for ${flags.namespace}/${flags.id} as pid ${process.pid}`);
  await finished;
}

/** The daemon's side of the readiness pipe `start` gave it as fd 3. */
export function reportReady(fd: number): (answer: ReadyAnswer) => void {
  return (answer) => {
    try {
      fs.writeSync(fd, typeof answer === 'string' ? `${answer}\n` : `error ${answer.error}\n`);
      fs.closeSync(fd);
    } catch {}
  };
}
