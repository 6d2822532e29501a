// Bad input and limits through the real CLI: hook timeouts that hold, files
// that are too big or not files, and clear errors (never a stack trace)
// for closed preserved fds, a missing log directory, signal 0, (uid_t)-1 and
// a memory limit the init cannot live in.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hook } from '../../src/plan/spec.js';
import { type Env, isRoot, makeBundle, makeEnv, processesWith, runj, runjCreate, runjRun, stateOf, uniqueId, waitFor } from './harness.js';

let seconds = 40000 + (process.pid % 10000) * 3;
/** A `sleep N` no other process on the machine runs, to find leftovers by. */
const uniqueSleep = () => `sleep ${++seconds}`;

/** Runs `fn` and measures it. */
function timed<T>(fn: () => T): { ms: number; r: T } {
  const t0 = Date.now();
  const r = fn();
  return { ms: Date.now() - t0, r };
}

const noStack = (text: string) => expect(text).not.toMatch(/^ {4}at /m);

describe.skipIf(!isRoot)('limits and bad input', () => {
  let env: Env;
  beforeAll(() => {
    env = makeEnv();
  });
  afterAll(() => env.cleanup());

  describe('hook timeouts hold when a child keeps the output open', () => {
    // createContainer runs in the helper inside the container; the others in runj itself.
    it.each(['prestart', 'createRuntime', 'createContainer'] as const)('%s', (stage) => {
      const id = uniqueId('hookto');
      const sleep = uniqueSleep();
      const hook: Hook = { path: '/bin/sh', args: ['sh', '-c', `${sleep} & ${sleep}`], timeout: 1 };
      const bundle = makeBundle(env, ['true'], (s) => {
        s.hooks = { [stage]: [hook] };
      });
      const { ms, r } = timed(() => runjCreate(env, id, bundle));
      expect(ms).toBeLessThan(5000);
      expect(r.status).toBe(1);
      expect(r.stderr()).toMatch(new RegExp(`^runj: ${stage} hook /bin/sh: timed out after 1s`));
      expect(processesWith(sleep.replace(' ', '\0'))).toEqual([]);
      expect(fs.existsSync(path.join(env.root, id))).toBe(false);
    });

    it.each(['prestart', 'createContainer'] as const)('%s that exits 0 leaving a child holding stdout', (stage) => {
      const id = uniqueId('hookok');
      const sleep = uniqueSleep();
      const bundle = makeBundle(env, ['true'], (s) => {
        s.hooks = { [stage]: [{ path: '/bin/sh', args: ['sh', '-c', `${sleep} & exit 0`] }] };
      });
      const { ms, r } = timed(() => runjCreate(env, id, bundle));
      expect(ms).toBeLessThan(5000);
      expect(r.stderr()).toBe('');
      expect(r.status).toBe(0);
      expect(processesWith(sleep.replace(' ', '\0'))).toEqual([]);
      expect(runj(env, ['delete', '--force', id]).status).toBe(0);
    });

    it('poststart: start returns in time and the child goes', () => {
      const id = uniqueId('hookps');
      const sleep = uniqueSleep();
      const bundle = makeBundle(env, ['sleep', '100'], (s) => {
        s.hooks = { poststart: [{ path: '/bin/sh', args: ['sh', '-c', `${sleep} & ${sleep}`], timeout: 1 }] };
      });
      expect(runjCreate(env, id, bundle).status).toBe(0);
      const { ms, r } = timed(() => runj(env, ['start', id]));
      expect(ms).toBeLessThan(5000);
      expect(r.stderr).toMatch(/^runj: poststart hook \/bin\/sh: timed out after 1s/);
      expect(processesWith(sleep.replace(' ', '\0'))).toEqual([]);
      expect(runj(env, ['delete', '--force', id]).status).toBe(0);
    });
  });

  describe('config.json that is too big or not a file', () => {
    const bundleWith = (make: (file: string) => void) => {
      const bundle = makeBundle(env, ['true']);
      const file = path.join(bundle, 'config.json');
      fs.rmSync(file);
      make(file);
      return { bundle, file };
    };

    it('a 51 MB config.json fails fast, naming the file and the cap', () => {
      const { bundle, file } = bundleWith((f) => fs.writeFileSync(f, `{"ociVersion":"1.3.0","x":"${'a'.repeat(51 << 20)}"}`));
      const { ms, r } = timed(() => runjCreate(env, uniqueId('big'), bundle));
      expect(ms).toBeLessThan(5000);
      expect(r.status).toBe(1);
      expect(r.stderr()).toBe(`runj: ${file}: larger than runj's limit for a config.json (4 MiB)\n`);
    });

    it('a symlink to /dev/zero is refused at once', () => {
      const { bundle, file } = bundleWith((f) => fs.symlinkSync('/dev/zero', f));
      const { ms, r } = timed(() => runjCreate(env, uniqueId('zero'), bundle));
      expect(ms).toBeLessThan(5000);
      expect(r.stderr()).toBe(`runj: ${file}: not a regular file (a character device)\n`);
    });

    it('a FIFO nobody writes does not block', () => {
      const { bundle, file } = bundleWith((f) => expect(spawnSync('mkfifo', [f]).status).toBe(0));
      const { ms, r } = timed(() => runjCreate(env, uniqueId('fifo'), bundle));
      expect(ms).toBeLessThan(5000);
      expect(r.stderr()).toBe(`runj: ${file}: not a regular file (a FIFO)\n`);
      // `check` reads the bundle the same way.
      expect(runj(env, ['check', '--bundle', bundle]).stderr).toBe(`runj: ${file}: not a regular file (a FIFO)\n`);
    });

    it('a FIFO policy file does not block', () => {
      const policy = path.join(env.dir, `policy-${uniqueId('p')}.json`);
      expect(spawnSync('mkfifo', [policy]).status).toBe(0);
      const saved = process.env.RUNJ_POLICY;
      process.env.RUNJ_POLICY = policy;
      try {
        const { ms, r } = timed(() => runjCreate(env, uniqueId('pol'), makeBundle(env, ['true'])));
        expect(ms).toBeLessThan(5000);
        expect(r.stderr()).toBe(`runj: ${policy}: not a regular file (a FIFO)\n`);
      } finally {
        if (saved === undefined) delete process.env.RUNJ_POLICY;
        else process.env.RUNJ_POLICY = saved;
      }
    });
  });

  describe('with a running container', () => {
    let id: string;
    beforeAll(() => {
      id = uniqueId('run');
      expect(runjCreate(env, id, makeBundle(env, ['sleep', '100'])).status).toBe(0);
      expect(runj(env, ['start', id]).status).toBe(0);
    });
    afterAll(() => {
      runj(env, ['delete', '--force', id]);
    });

    it('exec --process naming a FIFO fails at once', () => {
      const fifo = path.join(env.dir, `process-${uniqueId('f')}.json`);
      expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      const { ms, r } = timed(() => runj(env, ['exec', '--process', fifo, id]));
      expect(ms).toBeLessThan(5000);
      expect(r).toMatchObject({ status: 1, stderr: `runj: ${fifo}: not a regular file (a FIFO)\n` });
    });

    it('update -r naming a FIFO fails at once', () => {
      const fifo = path.join(env.dir, `resources-${uniqueId('f')}.json`);
      expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      const { ms, r } = timed(() => runj(env, ['update', '-r', fifo, id]));
      expect(ms).toBeLessThan(5000);
      expect(r).toMatchObject({ status: 1, stderr: `runj: ${fifo}: not a regular file (a FIFO)\n` });
    });

    it('exec --preserve-fds with closed fds names the fd', () => {
      const r = runj(env, ['exec', '--preserve-fds', '100', id, 'true']);
      noStack(r.stderr);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^runj: --preserve-fds 100: fd \d+ is not open\n$/);
    });

    it('exec --user 4294967295 is refused naming the flag', () => {
      const r = runj(env, ['exec', '--user', '4294967295', id, 'true']);
      expect(r).toMatchObject({ status: 1, stderr: 'runj: --user: 4294967295 is not a valid uid: must be at most 4294967294 ((uid_t)-1 means "no change")\n' });
    });

    it('kill ID 0 probes the init: 0 while it lives, the usual error once it is gone', async () => {
      expect(runj(env, ['kill', id, '0'])).toMatchObject({ status: 0, stderr: '' });
      expect(stateOf(env, id).status).toBe('running');
      expect(runj(env, ['kill', id, 'KILL']).status).toBe(0);
      await waitFor(() => stateOf(env, id).status === 'stopped');
      expect(runj(env, ['kill', id, '0'])).toMatchObject({ status: 1, stderr: 'runj: container not running\n' });
    });
  });

  it('create --preserve-fds with closed fds names the fd, leaves nothing', () => {
    const id = uniqueId('pfd');
    const r = runjCreate(env, id, makeBundle(env, ['true']), ['--preserve-fds', '100']);
    noStack(r.stderr());
    expect(r.stderr()).toMatch(/^runj: --preserve-fds 100: fd \d+ is not open\n$/);
    expect(fs.existsSync(path.join(env.root, id))).toBe(false);
  });

  it('--log naming a missing directory fails, as runc does', () => {
    const file = path.join(env.dir, 'no-such-dir', 'runj.log');
    const r = runj(env, ['--log', file, 'list']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^runj: --log ${file}: cannot open: ENOENT`));
  });

  it('process.user.uid 4294967295 is refused at validation', () => {
    const bundle = makeBundle(env, ['true'], (s) => {
      if (s.process) s.process.user = { uid: 4294967295, gid: 0 };
    });
    const r = runjCreate(env, uniqueId('uid'), bundle);
    expect(r.stderr()).toMatch(/^runj: config\.json: \/process\/user\/uid: must be an integer from 0 to 4294967294/);
  });

  it('a memory limit too low for the init names the field and the OOM kill', () => {
    const id = uniqueId('oom');
    const bundle = makeBundle(env, ['true'], (s) => {
      s.linux = { ...s.linux, resources: { memory: { limit: 4096 } } };
    });
    const r = runjCreate(env, id, bundle);
    expect(r.status).toBe(1);
    expect(r.stderr()).toBe("runj: container init was OOM-killed: linux.resources.memory.limit is too low (the cgroup's limit: 4096 bytes)\n");
    expect(fs.existsSync(path.join(env.root, id))).toBe(false);
  });

  it('NGROUPS_MAX (65536) supplementary groups reach the process; more are refused naming the field', () => {
    const groups = (n: number) => makeBundle(env, ['sh', '-c', 'grep Groups: /proc/self/status | wc -w'], (s) => {
      if (s.process) s.process.user = { uid: 0, gid: 0, additionalGids: Array.from({ length: n }, (_, i) => i + 1) };
    });
    expect(runjRun(env, uniqueId('groups'), groups(65536))).toEqual({ status: 0, output: '65537\n' });
    const r = runjCreate(env, uniqueId('groups'), groups(65537));
    expect(r.stderr()).toBe('runj: config.json: /process/user/additionalGids: at most 65536 groups (NGROUPS_MAX), got 65537\n');
  });

  it('a state.json that is valid JSON but not a record is reported corrupt', () => {
    const id = uniqueId('corrupt');
    expect(runjCreate(env, id, makeBundle(env, ['sleep', '100'])).status).toBe(0);
    const file = path.join(env.root, id, 'state.json');
    const saved = fs.readFileSync(file);
    try {
      for (const text of ['null', '[]', '"x"', '{"id":1}']) {
        fs.writeFileSync(file, text);
        const r = runj(env, ['state', id]);
        expect(r.status, text).toBe(1);
        expect(r.stderr, text).toMatch(new RegExp(`^runj: state of ${id} is corrupt \\([^)]+\\): ${file}\n$`));
      }
    } finally {
      fs.writeFileSync(file, saved); // so that delete (here or in cleanup) can remove the container
    }
    expect(runj(env, ['delete', '--force', id]).status).toBe(0);
  });

  it('bad input to every command gives an error, never a stack trace', () => {
    const bundle = makeBundle(env, ['true']);
    const cases: string[][] = [
      ['create', '--bundle', '/nonexistent', 'x'],
      ['create', '--bundle', bundle, '--pid-file', '/nonexistent/dir/pid', uniqueId('pf')],
      ['create', '--bundle', bundle, '--console-socket', '/nonexistent/sock', uniqueId('cs')],
      ['start', 'nope'],
      ['state', '../x'],
      ['kill', 'nope', 'KILL'],
      ['delete', 'nope'],
      ['exec', 'nope', 'true'],
      ['exec', '--process', '/nonexistent', 'nope'],
      ['ps', 'nope'],
      ['pause', 'nope'],
      ['resume', 'nope'],
      ['events', 'nope'],
      ['events', '--interval', 'bad', 'nope'],
      ['update', '-r', '/nonexistent', 'nope'],
      ['update', '--memory', 'lots', 'nope'],
      ['list', '--format', 'xml'],
      ['spec', '--bundle', '/nonexistent/dir'],
      ['check', '--bundle', '/nonexistent'],
      ['run', '--bundle', '/nonexistent', 'x'],
      ['features', 'extra'],
      ['demo', 'download', '--url', 'notaurl', '-o', path.join(env.dir, 'base.txz')],
    ];
    for (const args of cases) {
      const r = runj(env, args);
      expect(r.status, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(/^runj: /);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    for (const id of fs.existsSync(env.root) ? fs.readdirSync(env.root) : []) {
      expect(['pf', 'cs'].some((p) => id.startsWith(`${p}-`)), `left ${id}`).toBe(false);
    }
  });
});
