/**
 * The shim's IO URIs, Update and Stats under unmodified containerd 1.6
 * (Debian's), started privately: `ctr run --log-uri binary://…` runs a logger
 * that gets the container's stdout and stderr on fds 3 and 4, `file://…`
 * appends both to a file, a logger that cannot start fails the run naming
 * the URI; `ctr task metrics` prints the cgroup's numbers; containerd's
 * Tasks.Update (through shimpeer: ctr 1.6 has no `task update`) changes the
 * memory limit in the container's cgroup. Nothing is left behind: tasks,
 * shims, loggers, mounts, runtime state.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shimPeer } from '../interop/shimpeer.js';
import { type Containerd, IMAGE, SHIM, expectNothingLeft as nothingLeft, haveContainerd, startContainerd } from './containerd.js';
import { isRoot, waitFor } from './harness.js';


const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(!isRoot || !haveContainerd())('containerd-shim-runj-v1: log URIs, metrics, update', () => {
  let c: Containerd;
  let logger: string;
  beforeAll(async () => {
    c = await startContainerd();
    // The logger: copies fds 3 and 4 into files under the directory its argv names, says ready by closing fd 5.
    logger = path.join(c.dir, 'logger.sh');
    fs.writeFileSync(
      logger,
      `#!/bin/sh
dir=$2
echo $$ > "$dir/pid"
echo "$CONTAINER_ID $CONTAINER_NAMESPACE" > "$dir/env"
exec 5>&-
cat <&3 > "$dir/stdout" &
cat <&4 > "$dir/stderr"
wait
echo done > "$dir/done"
`,
      { mode: 0o755 },
    );
  });
  afterAll(async () => {
    await c?.stop();
  });

  const expectNothingLeft = () => nothingLeft(c);
  const logDir = (name: string) => {
    const d = path.join(c.dir, name);
    fs.mkdirSync(d);
    return d;
  };

  it('--log-uri binary://: the logger gets stdout on fd 3, stderr on fd 4, the ids in its env, and ends with the output', async () => {
    const d = logDir('bin1');
    const r = c.ctr(['run', '--rm', '--runtime', SHIM, '--log-uri', `binary://${logger}?dir=${d}`, IMAGE, 'b1', 'sh', '-c', 'echo to stdout; echo to stderr >&2; exit 3']);
    expect([r.status, r.stdout, r.stderr]).toEqual([3, '', '']);
    await waitFor(() => fs.existsSync(`${d}/done`), 10_000);
    expect(fs.readFileSync(`${d}/stdout`, 'utf8')).toBe('to stdout\n');
    expect(fs.readFileSync(`${d}/stderr`, 'utf8')).toBe('to stderr\n');
    expect(fs.readFileSync(`${d}/env`, 'utf8')).toBe(`b1 ${c.namespace}\n`);
    expect(alive(Number(fs.readFileSync(`${d}/pid`, 'utf8')))).toBe(false);
    await expectNothingLeft();
  });

  it('--log-uri file://: both streams appended to the file, its directories created', async () => {
    const file = path.join(c.dir, 'files/sub/f1.log');
    fs.mkdirSync(path.join(c.dir, 'files'));
    fs.writeFileSync(path.join(c.dir, 'files/keep'), '');
    const run = (id: string, cmd: string) => c.ctr(['run', '--rm', '--runtime', SHIM, '--log-uri', `file://${file}`, IMAGE, id, 'sh', '-c', cmd]);
    expect(run('f1', 'echo first').status).toBe(0);
    expect(run('f2', 'echo second >&2').status).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe('first\nsecond\n');
    await expectNothingLeft();
  });

  it('a logger that cannot start fails the run naming the URI, and leaves nothing behind', async () => {
    const uri = `binary://${c.dir}/no-such-logger`;
    const r = c.ctr(['run', '--rm', '--runtime', SHIM, '--log-uri', uri, IMAGE, 'x1', 'true']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`stdout ${uri}: starting the logger: spawn ${c.dir}/no-such-logger ENOENT`);
    c.ctr(['containers', 'rm', 'x1']);
    await expectNothingLeft();
  });

  it('ctr task metrics prints the cgroup numbers; containerd Update changes the memory limit in the cgroup', async () => {
    expect(c.ctr(['run', '-d', '--runtime', SHIM, IMAGE, 'm1', 'sh', '-c', 'x=$(seq 1 20000); sleep 600']).status).toBe(0);
    const pid = Number(/m1\s+(\d+)\s+RUNNING/.exec(c.ctr(['task', 'ls']).stdout)?.[1]);
    expect(pid).toBeGreaterThan(0);
    // Only the container's processes count (the helpers relay from outside its cgroup): once sh
    // has got through its seq, sleep (sh's last command, which busybox sh execs in its place).
    const comm = (p: string) => (fs.existsSync(`/proc/${p}/comm`) ? fs.readFileSync(`/proc/${p}/comm`, 'utf8').trim() : '');
    const children = () => fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    await waitFor(() => comm(String(pid)) === 'sleep' || children().some((p) => comm(p) === 'sleep'), 10_000);
    const table = c.ctr(['task', 'metrics', 'm1']);
    expect(table.status).toBe(0);
    const value = (name: string) => Number(new RegExp(`^${name.replace(/\./g, '\\.')}\\s+(\\d+)`, 'm').exec(table.stdout)?.[1]);
    const v2 = fs.existsSync('/sys/fs/cgroup/cgroup.controllers');
    if (v2) {
      expect(value('memory.usage')).toBeGreaterThan(0);
      expect(value('cpu.usage_usec')).toBeGreaterThan(0);
    } else {
      expect(value('memory.usage_in_bytes')).toBeGreaterThan(0);
      expect(value('cpuacct.usage')).toBeGreaterThan(0);
    }
    expect(value('pids.current')).toBe(1 + children().length); // sleep (and sh, had it forked it)
    const json = JSON.parse(c.ctr(['task', 'metrics', '--format', 'json', 'm1']).stdout) as { pids: { current: number } };
    expect(json.pids.current).toBe(value('pids.current'));

    const limit = 64 * 1024 * 1024;
    const updated = execFileSync(shimPeer(), ['update', path.join(c.dir, 'containerd.sock'), c.namespace, 'm1', JSON.stringify({ memory: { limit } })], { encoding: 'utf8' });
    expect(JSON.parse(updated)).toEqual({ error: null });
    const line = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => (v2 ? l.startsWith('0::') : /^\d+:(.*,)?memory(,.*)?:/.test(l)));
    const cg = line?.split(':')[2] as string;
    const file = v2 ? `/sys/fs/cgroup${cg}/memory.max` : `/sys/fs/cgroup/memory${cg}/memory.limit_in_bytes`;
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(String(limit));
    const after = c.ctr(['task', 'metrics', 'm1']).stdout;
    expect(after).toMatch(new RegExp(`${v2 ? 'memory\\.usage_limit' : 'memory\\.limit_in_bytes'}\\s+${limit}\\b`));

    expect(c.ctr(['task', 'kill', '-s', 'SIGKILL', 'm1']).status).toBe(0);
    await waitFor(() => /m1\s+\d+\s+STOPPED/.test(c.ctr(['task', 'ls']).stdout), 10_000);
    expect(c.ctr(['task', 'delete', 'm1']).status).toBe(0);
    expect(c.ctr(['containers', 'rm', 'm1']).status).toBe(0);
    expect(fs.existsSync(file)).toBe(false);
    await expectNothingLeft();
  });
});
