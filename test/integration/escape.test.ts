/**
 * Host escapes through the native helper (native/README.md, "Security"):
 * a container process must not overwrite the helper's executable through
 * /proc/<pid>/exe, nor read a helper's memory or fds, and no host directory
 * fd may become the container's cwd. RUNJ_HELPER points at a copy of the
 * built helper, so a successful attack cannot damage the build; each test
 * checks the copy's bytes afterwards. The attackers are small C programs
 * (test/integration/attacks/) compiled into the rootfs.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Env, REPO, isRoot, makeBundle, makeEnv, runj, runjCreate, stateOf, uniqueId, waitFor } from './harness.js';

const ATTACKS = path.join(REPO, 'test/integration/attacks');

describe.skipIf(!isRoot)('host escapes through the helper', () => {
  let env: Env;
  let helperCopy: string;
  let original: Buffer;
  const savedHelper = process.env.RUNJ_HELPER;
  const ids: string[] = [];

  beforeAll(() => {
    env = makeEnv();
    original = fs.readFileSync(path.join(REPO, 'native/runj-helper'));
    fs.mkdirSync(path.join(env.dir, 'bin'));
    helperCopy = path.join(env.dir, 'bin/runj-helper');
    fs.writeFileSync(helperCopy, original, { mode: 0o755 });
    process.env.RUNJ_HELPER = helperCopy;
    fs.mkdirSync(path.join(env.rootfs, 'attacks'), { recursive: true });
    for (const name of ['overwrite', 'probe']) {
      const r = spawnSync('gcc', ['-static', '-O2', '-Wall', '-o', path.join(env.rootfs, 'attacks', name), path.join(ATTACKS, `${name}.c`)], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`gcc ${name}: ${r.stderr}`);
    }
  });
  afterEach(() => {
    for (const id of ids.splice(0)) runj(env, ['delete', '--force', id]);
    for (const f of pwned()) fs.rmSync(path.join(env.dir, f));
    // Whatever the attack did, the helper the containers ran is unchanged
    // (restored when it is not, so one success does not fail every later test).
    const intact = fs.readFileSync(helperCopy).equals(original);
    if (!intact) fs.writeFileSync(helperCopy, original);
    expect(intact).toBe(true);
  });
  afterAll(() => {
    if (savedHelper === undefined) delete process.env.RUNJ_HELPER;
    else process.env.RUNJ_HELPER = savedHelper;
    env.cleanup();
  });

  function created(args: string[], patch: Parameters<typeof makeBundle>[2] = () => {}) {
    const id = uniqueId('esc');
    ids.push(id);
    const bundle = makeBundle(env, args, patch);
    const r = runjCreate(env, id, bundle);
    expect(r.stderr()).toBe('');
    expect(r.status).toBe(0);
    return { id, out: r.out };
  }

  async function attackResult(file: string): Promise<string> {
    await waitFor(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes('result:'), 30_000);
    return fs.readFileSync(file, 'utf8');
  }

  /** A PATH whose lookup takes milliseconds: the helper resolves argv[0] after dropping its capabilities. */
  const slowPath = `${Array.from({ length: 28 }, () => `/${'./'.repeat(1900)}none`).join(':')}:/bin`;

  for (const detach of [false, true]) {
    it(`a container process cannot overwrite the helper through /proc/<pid>/exe during exec${detach ? ' --detach' : ''}`, async () => {
      const { id, out } = created(['/attacks/overwrite', 'watch', '10']);
      expect(runj(env, ['start', id]).status).toBe(0);
      await waitFor(() => fs.readFileSync(out, 'utf8').includes('watching'));
      for (let i = 0; i < 5; i++) {
        const log = fs.openSync(path.join(env.dir, `${id}.exec`), 'a');
        const r = runj(env, ['exec', ...(detach ? ['-d'] : []), '--env', `PATH=${slowPath}`, id, 'true'], { stdio: ['ignore', log, log] });
        fs.closeSync(log);
        expect(r.status, fs.readFileSync(path.join(env.dir, `${id}.exec`), 'utf8')).toBe(0);
      }
      const result = await attackResult(out);
      expect(result).not.toContain('overwritten');
      expect(result).not.toContain('grabbed');
    }, 60_000);
  }

  it('a process exec\'d into a created container cannot overwrite the helper through /proc/1/exe', async () => {
    const { id } = created(['sleep', '1000']);
    const file = path.join(env.dir, `${id}.attack`);
    const log = fs.openSync(file, 'w');
    const r = runj(env, ['exec', '-d', id, '/attacks/overwrite', 'pid1', '20'], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    expect(r.status).toBe(0);
    await waitFor(() => fs.readFileSync(file, 'utf8') !== '');
    expect(runj(env, ['start', id]).status).toBe(0);
    const result = await attackResult(file);
    expect(result).not.toContain('overwritten');
    expect(result).toMatch(/result: open \/proc\/1\/exe: Permission denied/);
  }, 60_000);

  it("a process exec'd into a created container reaches none of the parked helper's fds, exe, memory, environment or cwd", () => {
    const { id } = created(['sleep', '1000']);
    const r = runj(env, ['exec', id, '/attacks/probe']);
    expect(r.status).toBe(0);
    const lines = Object.fromEntries(r.stdout.trim().split('\n').map((l) => [l.split(' ')[0], l.slice(l.indexOf(' ') + 1)]));
    expect(lines).toEqual({
      'fd-open': 'Permission denied',
      'exe-path': 'Permission denied',
      'exe-write': 'Permission denied',
      mem: 'Permission denied',
      environ: 'Permission denied',
      cwd: 'Permission denied',
    });
  });

  it('the parked helper runs from a sealed memfd copy, not from the host file', () => {
    const { id } = created(['sleep', '1000']);
    const pid = stateOf(env, id).pid as number;
    expect(fs.readlinkSync(`/proc/${pid}/exe`)).toBe('/memfd:runj-helper (deleted)');
    // The copy cannot be written, even by root on the host.
    expect(() => fs.openSync(`/proc/${pid}/exe`, 'r+')).toThrow(/EPERM|EACCES|ETXTBSY/);
  });

  it('refuses a container without /proc: exec.fifo cannot be reopened without a host directory fd', () => {
    const id = uniqueId('esc');
    ids.push(id);
    const bundle = makeBundle(env, ['true'], (s) => {
      s.mounts = (s.mounts ?? []).filter((m) => m.destination !== '/proc');
      s.linux = { ...s.linux, maskedPaths: [], readonlyPaths: [] };
    });
    const r = runjCreate(env, id, bundle);
    expect(r.stderr()).toMatch(/^runj: exec.fifo: the container has no \/proc\b/);
    expect(r.status).toBe(1);
    expect(runj(env, ['state', id]).stderr).toBe('runj: container does not exist\n');
  });

  /** Files the escaped process would write, relative to a host cwd in the state directory. */
  const WRITE = ['sh', '-c', 'echo x > pwned; echo x > ../pwned; echo x > ../../pwned; echo x > ../../../pwned'];

  function pwned(): string[] {
    return (fs.readdirSync(env.dir, { recursive: true }) as string[]).filter((f) => path.basename(f) === 'pwned');
  }

  /** create must refuse the cwd; if it did not, start lets the process show what it reaches. */
  async function refusedCwd(cwd: string, extra: string[] = [], fds: number[] = [], patch: (s: Parameters<Parameters<typeof makeBundle>[2] & {}>[0]) => void = () => {}) {
    const id = uniqueId('esc');
    ids.push(id);
    const bundle = makeBundle(env, WRITE, (s) => {
      if (s.process) s.process.cwd = cwd;
      patch(s);
    });
    const r = runjCreate(env, id, bundle, extra, fds);
    if (r.status === 0) {
      runj(env, ['start', id]);
      await waitFor(() => stateOf(env, id).status === 'stopped').catch(() => {});
    }
    expect(pwned()).toEqual([]);
    expect(r.status).toBe(1);
    return r.stderr();
  }

  for (let n = 3; n <= 8; n++) {
    it(`refuses process.cwd /proc/self/fd/${n} (no host directory fd is open at the cwd step)`, async () => {
      expect(await refusedCwd(`/proc/self/fd/${n}`)).toMatch(new RegExp(`^runj: .*/proc/self/fd/${n}\\b`));
    });
  }

  it('refuses a preserved fd of a host directory as process.cwd, with a clear error', async () => {
    const dir = fs.openSync(env.dir, 'r');
    try {
      const err = await refusedCwd('/proc/self/fd/3', ['--preserve-fds', '1'], [dir]);
      expect(err).toBe(`runj: process.cwd /proc/self/fd/3 is outside the container root\n`);
    } finally {
      fs.closeSync(dir);
    }
  });

  for (let n = 4; n <= 8; n++) {
    it(`refuses process.cwd /proc/self/fd/${n} with --preserve-fds 1`, async () => {
      const keep = fs.openSync(path.join(env.dir, 'bin'), 'r');
      try {
        expect(await refusedCwd(`/proc/self/fd/${n}`, ['--preserve-fds', '1'], [keep])).toMatch(new RegExp(`/proc/self/fd/${n}\\b`));
      } finally {
        fs.closeSync(keep);
      }
    });
  }

  for (const n of [4, 5]) {
    it(`refuses a rootfs symlink to /proc/self/fd/${n} as process.cwd`, async () => {
      const link = path.join(env.rootfs, `escape${n}`);
      fs.rmSync(link, { force: true });
      fs.symlinkSync(`/proc/self/fd/${n}`, link);
      try {
        expect(await refusedCwd(`/escape${n}`)).toMatch(new RegExp(`/escape${n}\\b`));
      } finally {
        fs.rmSync(link, { force: true });
      }
    });
  }
});
