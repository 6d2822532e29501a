/**
 * A container root given as mounts (containerd's overlay, bind, ... with
 * their options), put on the target the way containerd's own Linux mount
 * package is driven from a shell: through mount(8), which knows every
 * file system's option syntax; unmounted with umount(8), lazily if busy.
 * One mount only: the overlay snapshotters hand one.
 */
import type * as ChildProcess from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { RootfsMount } from '../../backend/sandbox.js';
import { builtin } from '../../core/builtin.js';
import { RuntimeError } from '../../core/errors.js';

// Required when a mount is made, not imported: every command that loads the
// backend (delete, kill) would otherwise pay ~10 ms for node:child_process.
const run: Runner = (file, args) => {
  const { execFile } = builtin<typeof ChildProcess>('node:child_process');
  return promisify(execFile)(file, args);
};

export type Runner = (file: string, args: string[]) => Promise<unknown>;

export async function mountRootfsLinux(target: string, mounts: readonly RootfsMount[], exec: Runner = run): Promise<void> {
  if (mounts.length === 0) return;
  if (mounts.length > 1) throw new RuntimeError('EUNSUPPORTED', `rootfs: ${mounts.length} mounts given, one is supported`);
  const m = mounts[0] as RootfsMount;
  fs.mkdirSync(target, { recursive: true, mode: 0o711 });
  const args = ['-t', m.type || 'none'];
  if (m.options.length) args.push('-o', m.options.join(','));
  args.push(m.source, target);
  try {
    await exec('mount', args);
  } catch (err) {
    throw new RuntimeError('ESYSTEM', `rootfs: mount ${m.type} ${m.source} on ${target}: ${stderrOf(err)}`);
  }
}

/** Unmounts target when something is mounted there; a lazy unmount if it is busy. */
export async function unmountRootfsLinux(target: string, exec: Runner = run): Promise<void> {
  if (!isMountPoint(target)) return;
  try {
    await exec('umount', [target]);
  } catch {
    await exec('umount', ['-l', target]);
  }
}

function isMountPoint(dir: string): boolean {
  try {
    return fs.statSync(dir).dev !== fs.statSync(path.dirname(dir)).dev || mountedAt(dir);
  } catch {
    return false;
  }
}

/** A bind mount from the same filesystem keeps st_dev: the mount table tells. */
function mountedAt(dir: string): boolean {
  try {
    const table = fs.readFileSync('/proc/self/mountinfo', 'utf8');
    return table.split('\n').some((l) => l.split(' ')[4] === dir);
  } catch {
    return false;
  }
}

function stderrOf(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  return (e.stderr || e.message || String(err)).trim();
}
