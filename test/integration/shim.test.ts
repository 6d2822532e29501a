/**
 * containerd-shim-runj-v1 under unmodified containerd 1.6 (Debian's), started
 * privately: ctr run --rm shows the container's output and returns its exit
 * status; a detached task is killed and deleted; nothing is left behind
 * (tasks, mounts, shim processes, runtime state, shim sockets).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Containerd, IMAGE, SHIM, expectNothingLeft as nothingLeft, haveContainerd, startContainerd } from './containerd.js';
import { isRoot, waitFor } from './harness.js';


describe.skipIf(!isRoot || !haveContainerd())('containerd-shim-runj-v1 with containerd 1.6', () => {
  let c: Containerd;
  beforeAll(async () => {
    c = await startContainerd();
  });
  afterAll(async () => {
    await c?.stop();
  });

  const expectNothingLeft = () => nothingLeft(c);

  it('ctr run --rm prints the output and returns the exit status', async () => {
    const r = c.ctr(['run', '--rm', '--runtime', SHIM, IMAGE, 'r1', 'sh', '-c', 'echo hello from runj; echo to stderr >&2; exit 7']);
    expect(r.stderr).toContain('to stderr');
    expect([r.status, r.stdout]).toEqual([7, 'hello from runj\n']);
    const ok = c.ctr(['run', '--rm', '--runtime', SHIM, IMAGE, 'r2', 'true']);
    expect([ok.status, ok.stderr]).toEqual([0, '']);
    expect(c.ctr(['containers', 'ls', '-q']).stdout.trim()).toBe('');
    await expectNothingLeft();
  });

  it('ctr run -d, task kill, task delete: the kill is reported as 128+signal', async () => {
    const started = c.ctr(['run', '-d', '--runtime', SHIM, IMAGE, 'd1', 'sleep', '600']);
    expect([started.status, started.stderr]).toEqual([0, '']);
    expect(c.ctr(['task', 'ls']).stdout).toMatch(/d1\s+\d+\s+RUNNING/);
    expect(c.shims()).toHaveLength(1);
    expect(c.ctr(['task', 'kill', '-s', 'SIGKILL', 'd1']).status).toBe(0);
    await waitFor(() => /d1\s+\d+\s+STOPPED/.test(c.ctr(['task', 'ls']).stdout), 10_000);
    const deleted = c.ctr(['task', 'delete', 'd1']);
    expect(deleted.status).toBe(0);
    expect(deleted.stderr).toContain('exit code 137');
    expect(c.ctr(['containers', 'rm', 'd1']).status).toBe(0);
    await expectNothingLeft();
  });

  it('stdin reaches the container, and its end is the container EOF', async () => {
    const r = c.ctr(['run', '--rm', '--runtime', SHIM, IMAGE, 'i1', 'sh', '-c', 'tr a-z A-Z; echo done'], 'piped in\n');
    expect([r.status, r.stdout]).toEqual([0, 'PIPED IN\ndone\n']);
    await expectNothingLeft();
  });

  it('a shim killed with SIGKILL: containerd runs the delete action and the task is deleted cleanly', async () => {
    expect(c.ctr(['run', '-d', '--runtime', SHIM, IMAGE, 'k1', 'sleep', '600']).status).toBe(0);
    const [shim] = c.shims();
    process.kill(shim as number, 'SIGKILL');
    await waitFor(() => !/k1\s+\d+\s+RUNNING/.test(c.ctr(['task', 'ls']).stdout), 10_000);
    c.ctr(['task', 'delete', 'k1']);
    expect(c.ctr(['task', 'ls', '-q']).stdout.trim()).toBe('');
    expect(c.ctr(['containers', 'rm', 'k1']).status).toBe(0);
    await expectNothingLeft();
  });
});
