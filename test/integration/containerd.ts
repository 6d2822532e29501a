/**
 * The private containerd of the shim's integration tests: the daemon, its
 * busybox image and the clean-up live in scripts/lib/containerd.mjs, shared
 * with `make bench` (bench/containerd.mjs). Here too what every shim test
 * checks after a case: nothing of the container is left.
 */
import * as fs from 'node:fs';
import { expect } from 'vitest';
import type { Containerd } from '../../scripts/lib/containerd.mjs';
import { waitFor } from './harness.js';

export { type Containerd, IMAGE, SHIM, haveContainerd, startContainerd } from '../../scripts/lib/containerd.mjs';

export const mountsUnder = (dir: string) => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(dir));

/** No task, no shim process, nothing mounted under containerd's directory, no runtime state. */
export async function expectNothingLeft(c: Containerd): Promise<void> {
  expect(c.ctr(['task', 'ls', '-q']).stdout.trim()).toBe('');
  await waitFor(() => c.shims().length === 0, 10_000);
  expect(c.shims()).toEqual([]);
  expect(mountsUnder(c.dir)).toEqual([]);
  expect(fs.readdirSync(`${c.shimRoot}/${c.namespace}`)).toEqual([]);
}
