/**
 * Create's rootfs mounts, put onto <bundle>/rootfs as containerd hands them
 * (overlay, bind, ... with their options), the way containerd's own mount
 * package does it, through mount(8); unmounted again on Delete. With no
 * mounts the bundle's rootfs is used as it is.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { RuntimeError } from '../core/errors.js';
import type { Mount } from './proto/task.js';

const run = promisify(execFile);

export type Runner = (file: string, args: string[]) => Promise<unknown>;

export function rootfsOf(bundle: string): string {
  return path.join(bundle, 'rootfs');
}

export async function mountRootfs(bundle: string, mounts: readonly Mount[], exec: Runner = run): Promise<void> {
  if (mounts.length === 0) return;
  if (mounts.length > 1) throw new RuntimeError('EUNSUPPORTED', `rootfs: ${mounts.length} mounts given, one is supported`);
  const m = mounts[0] as Mount;
  const target = rootfsOf(bundle);
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

/** Unmounts <bundle>/rootfs when something is mounted there; a lazy unmount if it is busy. */
export async function unmountRootfs(bundle: string, exec: Runner = run): Promise<void> {
  const target = rootfsOf(bundle);
  if (!isMountPoint(target)) return;
  try {
    await exec('umount', [target]);
  } catch (err) {
    if (process.platform !== 'linux') throw new RuntimeError('ESYSTEM', `rootfs: umount ${target}: ${stderrOf(err)}`);
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
