/**
 * A container root given as mounts, for a front end that receives one (the
 * containerd shim's Create): the host's backend mounts it on the bundle's
 * root before create, and removes it after delete. The runtime only picks
 * the backend; how a mount is made (mount(8) on Linux, nmount(2) on
 * FreeBSD) and which types are accepted is the backend's.
 */
import type { RootfsMount } from '../backend/sandbox.js';
import type { RuntimeContext } from './context.js';

export type { RootfsMount } from '../backend/sandbox.js';

export async function mountRootfs(ctx: RuntimeContext, target: string, mounts: readonly RootfsMount[]): Promise<void> {
  if (mounts.length === 0) return;
  await (await ctx.backend(ctx.platform)).mountRootfs(target, mounts);
}

export async function unmountRootfs(ctx: RuntimeContext, target: string): Promise<void> {
  await (await ctx.backend(ctx.platform)).unmountRootfs(target);
}
