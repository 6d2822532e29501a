/**
 * The `delete` action: containerd runs it when a shim died (or on restart)
 * to clean up what the shim left: the container (killed and deleted with
 * force), the rootfs mount, the dead shim's socket — whichever socket could
 * have been this container's (its own, its pod's, its namespace's), and each
 * only if nothing listens there any more: a shared shim may still serve the
 * group, or a new one may already have replaced the dead one. It answers with a
 * DeleteResponse on stdout; the init was killed, so 128+SIGKILL, as
 * containerd's own shims report.
 */
import { constants } from 'node:os';
import { type ContextOptions, createContext } from '../runtime/context.js';
import { deleteContainer } from '../runtime/delete.js';
import type { ShimFlags } from './flags.js';
import { GROUP_MODES, bundleAnnotations, groupOf } from './group.js';
import { shimLogger } from './log.js';
import { runtimeRoot, socketAddress } from './paths.js';
import { DeleteResponse } from './proto/task.js';
import { timestamp } from './proto/wkt.js';
import { unmountBundleRootfs } from './rootfs.js';
import { removeIfDead } from './socket.js';

/** `over` replaces parts of the runtime context (tests: another backend, a fake process table). */
export async function cleanupShim(flags: ShimFlags, over: ContextOptions = {}): Promise<Uint8Array> {
  const bundle = flags.bundle || process.cwd();
  const ctx = await createContext({ root: runtimeRoot(flags.namespace), log: shimLogger(bundle, flags.debug), ...over });
  let pid = 0;
  const read = ctx.store.exists(flags.id) ? ctx.store.read(flags.id) : undefined;
  if (read && typeof read !== 'string') pid = read.pid;
  await deleteContainer(ctx, flags.id, true);
  await unmountBundleRootfs(ctx, bundle);
  const annotations = bundleAnnotations(bundle);
  const groups = new Set(GROUP_MODES.map((mode) => groupOf(flags.id, flags.namespace, annotations, mode)));
  for (const group of groups) await removeIfDead(socketAddress(flags.address, flags.namespace, group));
  return DeleteResponse.encode({ pid, exitStatus: 128 + constants.signals.SIGKILL, exitedAt: timestamp(ctx.clock.now()) });
}
