/**
 * The private containerd of the shim's integration tests: the daemon, its
 * busybox image and the clean-up live in scripts/lib/containerd.mjs, shared
 * with `make bench` (bench/containerd.mjs).
 */
export { type Containerd, IMAGE, SHIM, startContainerd } from '../../scripts/lib/containerd.mjs';
