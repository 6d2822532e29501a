/**
 * Every test file gets its own temporary directory as TMPDIR, so what its
 * tests and the fakes make with os.tmpdir() (bundles, state roots, fifos) is
 * removed when the file is done, even where a test does not clean up after
 * itself. Removal never crosses a mount: if anything is still mounted below
 * the directory (a container a test failed to delete), the directory is left
 * and named, because a recursive removal would reach into the mount.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll } from 'vitest';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-test-'));
// Searchable by all, as /tmp is: a container under a uid map (100000, ...) must
// still reach its rootfs below it.
fs.chmodSync(dir, 0o711);
process.env.TMPDIR = dir;

function mountsBelow(root: string): string[] {
  const decodeOctal = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => decodeOctal(line.split(' ')[4] ?? ''))
    .filter((m) => m === root || m.startsWith(`${root}/`));
}

afterAll(() => {
  const mounted = mountsBelow(dir);
  if (mounted.length) {
    console.warn(`${dir} kept: still mounted below it: ${mounted.join(', ')}`);
    return;
  }
  fs.rmSync(dir, { recursive: true, force: true });
});
