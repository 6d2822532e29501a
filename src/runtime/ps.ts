/**
 * ps: the container's processes. JSON is an array of host pids (what
 * containerd's shim reads); the table is `ps -ef` (or the given ps options)
 * filtered to the container's pids, as runc prints it.
 */
import { spawnSync } from 'node:child_process';
import type { RuntimeContext } from './context.js';
import { RuntimeError } from '../core/errors.js';
import { validateId } from './ids.js';
import { currentStatus } from './liveness.js';
import { check } from './status.js';

export async function pids(ctx: RuntimeContext, idArg: string): Promise<number[]> {
  const id = validateId(idArg);
  const record = ctx.store.load(id);
  check('ps', currentStatus(ctx, record), id);
  // Even a stopped container may have processes left in its cgroup (exec'd ones, or
  // children when there is no pid namespace): the backend lists what is there.
  return (await ctx.backend(record.platform)).listPids(record);
}

export function psTable(pidList: readonly number[], psArgs: readonly string[]): string {
  const r = spawnSync('ps', psArgs.length ? [...psArgs] : ['-ef'], { encoding: 'utf8' });
  if (r.status !== 0) throw new RuntimeError('ESYSTEM', `ps: ${r.error?.message ?? r.stderr.trim()}`);
  const [header = '', ...lines] = r.stdout.split('\n');
  const col = header.trim().split(/\s+/).indexOf('PID');
  if (col < 0) throw new RuntimeError('EINVALID', "ps: the output has no PID column (give ps options that print one)");
  const wanted = new Set(pidList);
  return [header, ...lines.filter((l) => wanted.has(Number(l.trim().split(/\s+/)[col])))].join('\n') + '\n';
}
