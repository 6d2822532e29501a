/**
 * Create's rootfs mounts, put onto <bundle>/rootfs as containerd hands them,
 * by the host's backend through the runtime (mount(8) on Linux, nmount(2)
 * on FreeBSD: src/platform/{linux,freebsd}/rootfs.ts); unmounted after Delete and
 * by the delete action. With no mounts the bundle's rootfs is used as it is.
 */
import * as path from 'node:path';
import type { RuntimeContext } from '../runtime/context.js';
import { mountRootfs, unmountRootfs } from '../runtime/rootfs.js';
import type { Mount } from './proto/task.js';

export function rootfsOf(bundle: string): string {
  return path.join(bundle, 'rootfs');
}

export function mountBundleRootfs(ctx: RuntimeContext, bundle: string, mounts: readonly Mount[]): Promise<void> {
  return mountRootfs(ctx, rootfsOf(bundle), mounts);
}

export function unmountBundleRootfs(ctx: RuntimeContext, bundle: string): Promise<void> {
  return unmountRootfs(ctx, rootfsOf(bundle));
}
