/**
 * Exec'd processes and terminals through containerd-shim-runj-v1 under
 * Debian's containerd 1.6 (private, as in shim.test.ts): `ctr task exec`
 * returns the process's status and carries its output and stdin, `ctr task
 * ps` lists execs with their ids and not the helpers relaying them, and
 * `ctr run -t` / `ctr task exec -t` get a terminal whose size follows
 * ResizePty. ctr wants a terminal of its own for -t: it runs under
 * script(1). Nothing is left behind after each.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Containerd, IMAGE, SHIM, expectNothingLeft as nothingLeft, startContainerd } from './containerd.js';
import { isRoot, waitFor } from './harness.js';

const haveTools = ['containerd', 'ctr', 'umoci', 'script'].every((c) => process.env.PATH?.split(':').some((d) => fs.existsSync(`${d}/${c}`)));

/** The processes whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return Number(fs.readFileSync(`/proc/${p}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}
const cgroupOf = (pid: number) => fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8');

describe.skipIf(!isRoot || !haveTools)('containerd-shim-runj-v1: exec and terminals', () => {
  let c: Containerd;
  beforeAll(async () => {
    c = await startContainerd();
  });
  afterAll(async () => {
    await c?.stop();
  });
  const undo: (() => void)[] = [];
  afterEach(() => {
    for (const f of undo.splice(0)) f();
  });

  /**
   * ctr on a terminal of its own (script's pty): `shell` is a sh command line; `\r` dropped from
   * the output. script's stdin stays open until it exits (at end of input it would type an EOF).
   */
  const ctrTty = async (shell: string, typed?: { after: string; text: string }) => {
    const env = { ...process.env, CONTAINERD_ADDRESS: path.join(c.dir, 'containerd.sock'), CONTAINERD_NAMESPACE: c.namespace };
    const child = spawn('script', ['-qec', shell, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'inherit'], timeout: 60_000 });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s: string) => {
      out += s;
      if (typed && out.includes(typed.after)) {
        child.stdin.write(typed.text);
        typed = undefined;
      }
    });
    const status = await new Promise<number | null>((r) => child.once('exit', r));
    child.stdin.end();
    return { status, out: out.replace(/\r/g, '') };
  };
  const cgroupsLeft = () => {
    const found: string[] = [];
    const walk = (d: string, depth: number) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (!e.isDirectory()) continue;
        if (e.name.includes(c.namespace)) found.push(path.join(d, e.name));
        else if (depth < 3) walk(path.join(d, e.name), depth + 1);
      }
    };
    walk('/sys/fs/cgroup', 0);
    return found;
  };
  const expectNothingLeft = async () => {
    await nothingLeft(c);
    expect(c.ctr(['containers', 'ls', '-q']).stdout.trim()).toBe('');
    expect(cgroupsLeft()).toEqual([]);
  };
  const finish = async (id: string) => {
    expect(c.ctr(['task', 'kill', '-s', 'SIGKILL', id]).status).toBe(0);
    await waitFor(() => new RegExp(`${id}\\s+\\d+\\s+STOPPED`).test(c.ctr(['task', 'ls']).stdout), 10_000);
    expect(c.ctr(['task', 'delete', id]).status).toBe(0);
    expect(c.ctr(['containers', 'rm', id]).status).toBe(0);
  };

  it('ctr task exec: the exit status, stdout and stderr, stdin, a duplicate exec id; ps lists execs, not relays', async () => {
    expect(c.ctr(['run', '-d', '--runtime', SHIM, IMAGE, 'x1', 'sleep', '600']).status).toBe(0);
    // containerd's event stream, as a client sees it: the exec's events in order.
    const env = { ...process.env, CONTAINERD_ADDRESS: path.join(c.dir, 'containerd.sock'), CONTAINERD_NAMESPACE: c.namespace };
    const events = spawn('ctr', ['events'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
    undo.push(() => events.kill());
    let seen = '';
    events.stdout.setEncoding('utf8');
    events.stdout.on('data', (s: string) => (seen += s));
    await new Promise((r) => setTimeout(r, 300)); // subscribed
    const r = c.ctr(['task', 'exec', '--exec-id', 'e1', 'x1', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect([r.status, r.stdout]).toEqual([3, 'out\n']);
    expect(r.stderr).toContain('err');
    await waitFor(() => /\/tasks\/exit.*"e1"/.test(seen), 10_000);
    const e1 = seen.split('\n').filter((l) => l.includes('"e1"') || l.includes('ExecID":"e1') || l.includes('exec_id":"e1'));
    expect(e1.map((l) => l.split(/\s+/).find((w) => w.startsWith('/tasks/')))).toEqual(['/tasks/exec-added', '/tasks/exec-started', '/tasks/exit']);
    expect(e1[2]).toMatch(/"exit_status":3/);
    const piped = c.ctr(['task', 'exec', '--exec-id', 'e2', 'x1', 'sh', '-c', 'tr a-z A-Z; echo done'], 'from stdin\n');
    expect([piped.status, piped.stdout]).toEqual([0, 'FROM STDIN\ndone\n']);

    expect(c.ctr(['task', 'exec', '-d', '--exec-id', 'bg', 'x1', 'sleep', '600']).status).toBe(0);
    const dup = c.ctr(['task', 'exec', '-d', '--exec-id', 'bg', 'x1', 'true']);
    expect(dup.status).not.toBe(0);
    expect(dup.stderr).toContain('already exists');

    const ps = c.ctr(['task', 'ps', 'x1']).stdout.trim().split('\n').slice(1);
    expect(ps).toHaveLength(2);
    const bg = ps.find((l) => l.includes('ExecID:bg'));
    expect(bg).toBeDefined();
    const listed = ps.map((l) => Number(l.trim().split(/\s+/)[0]));
    // The helpers (the shim's children: the init's and bg's relaying parent halves) move
    // the processes they fork into the container's cgroup and stay out of it, as runc's own
    // process does (native/README.md, "Cgroups"); ps does not list them either way.
    const [shim] = c.shims();
    const helpers = childrenOf(shim as number);
    expect(helpers).toHaveLength(2);
    for (const h of helpers) expect(cgroupOf(h)).not.toBe(cgroupOf(listed[0] as number));
    expect(listed.filter((p) => helpers.includes(p))).toEqual([]);

    expect(c.ctr(['task', 'kill', '--exec-id', 'bg', '-s', 'SIGKILL', 'x1']).status).toBe(0);
    await waitFor(() => c.ctr(['task', 'ps', 'x1']).stdout.trim().split('\n').length === 2, 10_000);
    await finish('x1');
    await expectNothingLeft();
  });

  it('exec into a stopped container is refused with the reason', async () => {
    expect(c.ctr(['run', '-d', '--runtime', SHIM, IMAGE, 'x2', 'true']).status).toBe(0);
    await waitFor(() => /x2\s+\d+\s+STOPPED/.test(c.ctr(['task', 'ls']).stdout), 10_000);
    const r = c.ctr(['task', 'exec', '--exec-id', 'late', 'x2', 'true']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('cannot exec in a stopped container');
    expect(c.ctr(['task', 'delete', 'x2']).status).toBe(0);
    expect(c.ctr(['containers', 'rm', 'x2']).status).toBe(0);
    await expectNothingLeft();
  });

  it('ctr run -t: the init on a terminal, its status returned', async () => {
    const r = await ctrTty(`ctr run -t --rm --runtime ${SHIM} ${IMAGE} t1 sh -c 'tty; [ -t 0 ] && echo stdin-is-a-tty; exit 4'`);
    expect(r.out).toMatch(/^\/dev\/pts\/\d+\nstdin-is-a-tty\n$/);
    expect(r.status).toBe(4);
    await expectNothingLeft();
  });

  it('ctr task exec -t: a terminal, ResizePty seen inside (stty size), input typed through', async () => {
    expect(c.ctr(['run', '-d', '--runtime', SHIM, IMAGE, 'x3', 'sleep', '600']).status).toBe(0);
    // ctr copies its terminal's size with ResizePty after Start: wait for it inside.
    // Its pty starts at 0x0 (ctr gives no consoleSize), where busybox's stty size fails.
    // (The size is tested, not the assignment's status: busybox sh's `s=$(cmd)` can be 0 when cmd failed.)
    const wait = 'i=0; until s=$(stty size 2>/dev/null); [ -n "$s" ] && [ "$s" != "0 0" ] || [ $i -gt 100 ]; do sleep 0.1; i=$((i+1)); done';
    const cmd = `${wait}; stty size; tty; echo ready; read line; echo "got $line"; exit 6`;
    const r = await ctrTty(`stty rows 41 cols 113; ctr task exec -t --exec-id t1 x3 sh -c '${cmd}'`, { after: 'ready', text: 'typed in\n' });
    expect(r.out).toMatch(/^41 113\n\/dev\/pts\/\d+\nready\n(typed in\n)*got typed in\n$/);
    expect(r.status).toBe(6);
    await finish('x3');
    await expectNothingLeft();
  });
});
