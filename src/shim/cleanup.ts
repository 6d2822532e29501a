/**
 * The `delete` action: containerd runs it when a shim died (or on restart)
 * to clean up what the shim left: the container (killed and deleted with
 * force), the rootfs mount, the dead shim's socket. It answers with a
 * DeleteResponse on stdout; the init was killed, so 128+SIGKILL, as
 * containerd's own shims report.
 */
import * as fs from 'node:fs';
import { constants } from 'node:os';
import { type ContextOptions, createContext } from '../runtime/context.js';
import { deleteContainer } from '../runtime/delete.js';
import type { ShimFlags } from './flags.js';
import { shimLogger } from './log.js';
import { runtimeRoot, socketAddress } from './paths.js';
import { DeleteResponse } from './proto/task.js';
import { timestamp } from './proto/wkt.js';
import { unmountBundleRootfs } from './rootfs.js';
import { socketPath } from './ttrpc/address.js';

/** `over` replaces parts of the runtime context (tests: another backend, a fake process table). */
export async function cleanupShim(flags: ShimFlags, over: ContextOptions = {}): Promise<Uint8Array> {
  const bundle = flags.bundle || process.cwd();
  const ctx = await createContext({ root: runtimeRoot(flags.namespace), log: shimLogger(bundle, flags.debug), ...over });
  let pid = 0;
  const read = ctx.store.exists(flags.id) ? ctx.store.read(flags.id) : undefined;
  if (read && typeof read !== 'string') pid = read.pid;
  await deleteContainer(ctx, flags.id, true);
  await unmountBundleRootfs(ctx, bundle);
  fs.rmSync(socketPath(socketAddress(flags.address, flags.namespace, flags.id)), { force: true });
  return DeleteResponse.encode({ pid, exitStatus: 128 + constants.signals.SIGKILL, exitedAt: timestamp(ctx.clock.now()) });
}
