import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Env, isRoot, makeBundle, makeEnv, runj, runjCreate, stateOf, uniqueId, waitFor } from './harness.js';

describe.skipIf(!isRoot)('exec, ps, pause and resume', () => {
  let env: Env;
  let id: string;
  beforeAll(() => {
    env = makeEnv();
    id = uniqueId('exec');
    const bundle = makeBundle(env, ['sleep', '1000'], (s) => {
      s.hostname = 'exec-box';
      if (s.process) s.process.env = ['PATH=/bin', 'FROM_CONFIG=yes'];
      if (s.root) s.root.readonly = false;
    });
    expect(runjCreate(env, id, bundle).stderr()).toBe('');
    expect(runj(env, ['start', id]).status).toBe(0);
  });
  afterAll(() => {
    runj(env, ['delete', '--force', id]);
    env.cleanup();
  });

  it('runs a command in the container namespaces with its env, and returns its status', () => {
    const r = runj(env, ['exec', id, 'sh', '-c', 'hostname; echo $FROM_CONFIG; set -- /proc/[0-9]*; echo $#; exit 7']);
    expect(r.status).toBe(7);
    expect(r.stdout).toBe('exec-box\nyes\n2\n'); // sleep (pid 1) and this shell
  });

  it('applies --env, --cwd, --user and --additional-gids, and passes the rest through untouched', () => {
    const r = runj(env, ['exec', '--env', 'X=1', '-e', 'FROM_CONFIG=no', '--cwd', '/tmp', '-u', '1000:1000', '-g', '7', id, 'sh', '-c', 'echo $X $FROM_CONFIG $(pwd) $(id -u) $(id -G)', '--not-a-runj-flag']);
    expect(r).toMatchObject({ status: 0, stdout: '1 no /tmp 1000 1000 7\n' });
  });

  it("accepts runj (Go)'s extension exec and ext exec spellings", () => {
    expect(runj(env, ['extension', 'exec', id, 'hostname'])).toMatchObject({ status: 0, stdout: 'exec-box\n' });
    expect(runj(env, ['ext', 'exec', '-e', 'Y=2', id, 'sh', '-c', 'echo $Y'])).toMatchObject({ status: 0, stdout: '2\n' });
    expect(runj(env, ['ext', 'frob', id])).toMatchObject({ status: 2 });
  });

  it('reads a --process file validated against the process schema', () => {
    const file = path.join(env.dir, 'process.json');
    fs.writeFileSync(file, JSON.stringify({ args: ['sh', '-c', 'echo $P; pwd'], env: ['P=from-file', 'PATH=/bin'], cwd: '/etc', user: { uid: 0, gid: 0 } }));
    expect(runj(env, ['exec', '--process', file, id])).toMatchObject({ status: 0, stdout: 'from-file\n/etc\n' });
    fs.writeFileSync(file, JSON.stringify({ args: 'sh', cwd: '/' }));
    const bad = runj(env, ['exec', '--process', file, id]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain(`${file}: /args`);
  });

  it('refuses --apparmor and --process-label, which no backend applies, unless the host policy ignores them', () => {
    const refusal = (flag: string, what: string, key: string) =>
      `runj: exec: ${flag}: ${what} not supported by this backend; list "${key}" under "ignore" in the host policy to run without it\n`;
    expect(runj(env, ['exec', '--apparmor', 'runj-test', id, 'true'])).toMatchObject({ status: 1, stderr: refusal('--apparmor', 'AppArmor is', 'process.apparmorProfile') });
    expect(runj(env, ['exec', '--process-label', 'system_u:system_r:container_t:s0', id, 'true'])).toMatchObject({
      status: 1,
      stderr: refusal('--process-label', 'SELinux labels are', 'process.selinuxLabel'),
    });
    // Clients that always pass the flags pass an empty value for "none".
    expect(runj(env, ['exec', '--apparmor', '', '--process-label=', id, 'echo', 'ok'])).toMatchObject({ status: 0, stdout: 'ok\n', stderr: '' });
    const policy = path.join(env.dir, 'ignore-labels.json');
    fs.writeFileSync(policy, JSON.stringify({ ignore: ['process.apparmorProfile', 'process.selinuxLabel'] }));
    const saved = process.env.RUNJ_POLICY;
    process.env.RUNJ_POLICY = policy;
    try {
      const r = runj(env, ['exec', '--apparmor', 'runj-test', '--process-label', 'l', id, 'echo', 'ok']);
      expect(r).toMatchObject({ status: 0, stdout: 'ok\n' });
      expect(r.stderr).toContain(`ignoring --apparmor as the host policy (${policy}) allows`);
      expect(r.stderr).toContain(`ignoring --process-label as the host policy (${policy}) allows`);
    } finally {
      if (saved === undefined) delete process.env.RUNJ_POLICY;
      else process.env.RUNJ_POLICY = saved;
    }
  });

  it('detaches with a pid file; ps lists it; kill --all reaches it', async () => {
    const pidFile = path.join(env.dir, 'exec.pid');
    const out = fs.openSync(path.join(env.dir, 'exec.out'), 'w');
    const r = runj(env, ['exec', '-d', '--pid-file', pidFile, id, 'sleep', '999'], { stdio: ['ignore', out, out] });
    fs.closeSync(out);
    expect(r.status).toBe(0);
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    const json = JSON.parse(runj(env, ['ps', '--format', 'json', id]).stdout) as number[];
    expect(json).toContain(pid);
    expect(json).toContain(stateOf(env, id).pid);
    const table = runj(env, ['ps', id]).stdout.split('\n');
    expect(table[0]).toMatch(/PID/);
    expect(table.some((l) => l.includes('sleep 999'))).toBe(true);
    process.kill(pid, 'SIGKILL');
  });

  it('pauses and resumes', async () => {
    expect(runj(env, ['pause', id])).toMatchObject({ status: 0, stderr: '' });
    expect(stateOf(env, id).status).toBe('paused');
    const pid = stateOf(env, id).pid as number;
    expect(fs.readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/State:\s+[DST]/);
    expect(runj(env, ['pause', id])).toMatchObject({ status: 1, stderr: 'runj: container not running\n' });
    expect(runj(env, ['resume', id])).toMatchObject({ status: 0, stderr: '' });
    expect(stateOf(env, id).status).toBe('running');
    expect(runj(env, ['resume', id])).toMatchObject({ status: 1, stderr: 'runj: container not paused\n' });
  });

  it('refuses exec into a stopped container and bad flags', async () => {
    const other = uniqueId('exec');
    expect(runjCreate(env, other, makeBundle(env, ['true'])).status).toBe(0);
    expect(runj(env, ['start', other]).status).toBe(0);
    await waitFor(() => stateOf(env, other).status === 'stopped');
    expect(runj(env, ['exec', other, 'true'])).toMatchObject({ status: 1, stderr: 'runj: container not running\n' });
    expect(runj(env, ['exec', id])).toMatchObject({ status: 2 });
    expect(runj(env, ['exec', '-u', 'root', id, 'true'])).toMatchObject({ status: 1, stderr: 'runj: --user: "root" must be UID[:GID] (numbers)\n' });
    expect(runj(env, ['exec', '-d', '-t', id, 'true']).stderr).toBe('runj: cannot allocate tty if runj will detach without setting console socket\n');
    expect(runj(env, ['delete', other]).status).toBe(0);
  });

  it('rejects bad events and update input', () => {
    expect(runj(env, ['events', '--interval', '5x', id])).toMatchObject({ status: 2, stderr: 'runj: invalid --interval "5x": use a duration like 5s or 500ms\n' });
    const r = runj(env, ['update', '-r', '/nonexistent/resources.json', id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('--resources /nonexistent/resources.json');
    expect(runj(env, ['update', '--pids-limit', 'many', id])).toMatchObject({ status: 2 });
    const bad = path.join(env.dir, 'resources.json');
    fs.writeFileSync(bad, JSON.stringify({ blockIO: { weight: 10 } }));
    expect(runj(env, ['update', '-r', bad, id]).stderr).toContain('update: linux.resources.blockIO');
    fs.writeFileSync(bad, 'null');
    expect(runj(env, ['update', '-r', bad, id])).toMatchObject({ status: 1, stderr: `runj: --resources ${bad}: must be a JSON object\n` });
    fs.writeFileSync(bad, '{"pids":');
    expect(runj(env, ['update', '-r', bad, id]).stderr).toMatch(`runj: --resources ${bad}: invalid JSON: `);
  });

  it('checkpoint and restore say they are not supported', () => {
    expect(runj(env, ['checkpoint', id])).toMatchObject({ status: 1, stderr: 'runj: checkpoint and restore are not supported by runj\n' });
  });
});
