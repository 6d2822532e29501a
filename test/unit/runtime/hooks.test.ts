import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RuntimeError } from '../../../src/core/errors.js';
import { HOOK_OUTPUT_MAX } from '../../../src/core/readLimited.js';
import type { Hook } from '../../../src/plan/spec.js';
import { type HookRunner, runAllHooks, runHooks } from '../../../src/runtime/hookList.js';
import { runHook } from '../../../src/runtime/hooks.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-hooks-'));
let n = 0;
/** An executable sh script in the temp dir. */
function script(body: string): string {
  const file = path.join(dir, `hook${n++}.sh`);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}
const out = () => path.join(dir, `out${n++}`);
const state = JSON.stringify({ ociVersion: '1.3.0', id: 'c1', status: 'creating', pid: 0, bundle: '/b' });

async function failure(p: Promise<unknown>): Promise<RuntimeError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RuntimeError);
  expect((err as RuntimeError).code).toBe('EHOOK');
  return err as RuntimeError;
}

/** Dead or a zombie (a killed orphan waits for its new parent to reap it). */
const gone = (pid: number): boolean => {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').startsWith('Z');
  } catch {
    return true;
  }
};
async function waitGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && !gone(pid); i++) await new Promise((r) => setTimeout(r, 20));
  return gone(pid);
}

const strays: number[] = [];
afterEach(() => {
  for (const pid of strays.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
});

describe('runHook: a real hook process', () => {
  it('exit 0: resolves', async () => {
    await expect(runHook('prestart', { path: script('exit 0') }, state)).resolves.toBeUndefined();
  });
  it('a non-zero exit: EHOOK with stage, path, status and its output', async () => {
    const p = script('echo "to stdout"; echo "bad thing" >&2; exit 3');
    const err = await failure(runHook('createRuntime', { path: p }, state));
    expect(err.message).toMatch(new RegExp(`^createRuntime hook ${p}: exit status 3: `));
    expect(err.message).toContain('to stdout');
    expect(err.message).toContain('bad thing');
    expect(err.details).toEqual({ stage: 'createRuntime', path: p });
  });
  it('a non-zero exit without output: no trailing colon', async () => {
    const p = script('exit 1');
    expect((await failure(runHook('poststop', { path: p }, state))).message).toBe(`poststop hook ${p}: exit status 1`);
  });
  it('killed by a signal: named', async () => {
    const p = script('kill -TERM $$');
    expect((await failure(runHook('poststart', { path: p }, state))).message).toBe(`poststart hook ${p}: killed by SIGTERM`);
  });
  it('a timeout: the hook is killed and the error says after how long', async () => {
    const pidFile = out();
    const p = script(`echo $$ > ${pidFile}; echo waiting; sleep 30`);
    const t0 = Date.now();
    const err = await failure(runHook('prestart', { path: p, timeout: 0.3 }, state));
    expect(err.message).toBe(`prestart hook ${p}: timed out after 0.3s: waiting`);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await waitGone(Number(fs.readFileSync(pidFile, 'utf8')))).toBe(true);
  });
  it('a hook that leaves a child holding stdout (`sleep 30 &`) finishes at once; the child is killed with its group', async () => {
    const pidFile = out();
    const p = script(`sleep 30 &\necho $! > ${pidFile}\nexit 0`);
    const t0 = Date.now();
    await runHook('prestart', { path: p }, state);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(await waitGone(Number(fs.readFileSync(pidFile, 'utf8')))).toBe(true);
  });
  it('a child that left the group (setsid) and holds stdout: reading stops after the drain time', async () => {
    const pidFile = out();
    const p = script(`setsid sh -c 'echo $$ > ${pidFile}; exec sleep 30' &\nwhile [ ! -s ${pidFile} ]; do :; done\nexit 0`);
    const t0 = Date.now();
    await runHook('prestart', { path: p }, state);
    strays.push(Number(fs.readFileSync(pidFile, 'utf8')));
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(gone(strays[0] ?? 0)).toBe(false); // outside the group: not runj's to kill
  });
  it('env given: it is the whole environment (entries without a name are skipped)', async () => {
    const f = out();
    process.env.RUNJ_HOOK_TEST = 'leaked';
    try {
      const p = script(`echo "FOO=$FOO X=$RUNJ_HOOK_TEST E=$EMPTY" > ${f}`);
      await runHook('prestart', { path: p, env: ['FOO=a=b', 'EMPTY=', 'NOVALUE', '=x'] }, state);
      expect(fs.readFileSync(f, 'utf8')).toBe('FOO=a=b X= E=\n');
    } finally {
      delete process.env.RUNJ_HOOK_TEST;
    }
  });
  it('env absent: the runtime environment is inherited', async () => {
    const f = out();
    process.env.RUNJ_HOOK_TEST = 'inherited';
    try {
      await runHook('prestart', { path: script(`echo "$RUNJ_HOOK_TEST" > ${f}`) }, state);
      expect(fs.readFileSync(f, 'utf8')).toBe('inherited\n');
    } finally {
      delete process.env.RUNJ_HOOK_TEST;
    }
  });
  it('the state is on stdin', async () => {
    const f = out();
    await runHook('prestart', { path: script(`cat > ${f}`) }, state);
    expect(JSON.parse(fs.readFileSync(f, 'utf8'))).toEqual(JSON.parse(state));
  });
  it('a hook that does not read a large state: fine (EPIPE on stdin ignored)', async () => {
    const big = JSON.stringify({ ...JSON.parse(state), annotations: { a: 'x'.repeat(1 << 20) } });
    await expect(runHook('prestart', { path: script('exit 0') }, big)).resolves.toBeUndefined();
  });
  it('args: args[0] is argv0, the rest the arguments', async () => {
    const f = out();
    const hook: Hook = { path: '/bin/sh', args: ['my-hook', '-c', `tr '\\0' ' ' < /proc/$$/cmdline > ${f}`, 'x', 'y'] };
    await runHook('prestart', hook, state);
    expect(fs.readFileSync(f, 'utf8').trim()).toBe(`my-hook -c tr '\\0' ' ' < /proc/$$/cmdline > ${f} x y`);
  });
  it('no args: argv is just the path', async () => {
    const f = out();
    const p = script(`echo "$#" > ${f}`);
    await runHook('prestart', { path: p, args: [] }, state);
    expect(fs.readFileSync(f, 'utf8')).toBe('0\n');
  });
  it(`the output quoted in the error is capped at ${HOOK_OUTPUT_MAX} bytes`, async () => {
    const p = script(`i=0; while [ $i -lt 200 ]; do printf '%0100d' 0; i=$((i+1)); done; exit 2`);
    const err = await failure(runHook('prestart', { path: p }, state));
    const quoted = err.message.slice(`prestart hook ${p}: exit status 2: `.length);
    expect(quoted).toBe('0'.repeat(HOOK_OUTPUT_MAX));
  });
  it('output that comes after the cap is reached is dropped', async () => {
    const p = script(`printf '%05000d' 0; sleep 0.2; echo LATE; exit 2`);
    const err = await failure(runHook('prestart', { path: p }, state));
    expect(err.message).toBe(`prestart hook ${p}: exit status 2: ${'0'.repeat(HOOK_OUTPUT_MAX)}`);
  });
  it('a missing hook path: EHOOK naming it and ENOENT', async () => {
    const err = await failure(runHook('prestart', { path: '/nonexistent/hook' }, state));
    expect(err.message).toMatch(/^prestart hook \/nonexistent\/hook: .*ENOENT/);
  });
  it('a missing hook path with a timeout: the same error, no timer left behind', async () => {
    const err = await failure(runHook('prestart', { path: '/nonexistent/hook', timeout: 1 }, state));
    expect(err.message).toMatch(/ENOENT/);
  });
  it('a hook that exits in time with a timeout set: resolves', async () => {
    await expect(runHook('prestart', { path: script('exit 0'), timeout: 10 }, state)).resolves.toBeUndefined();
  });
});

describe('runHooks and runAllHooks', () => {
  const recorder = (failing: Set<string>) => {
    const ran: string[] = [];
    const run: HookRunner = async (stage, hook, s) => {
      ran.push(`${stage} ${hook.path} ${JSON.parse(s).id}`);
      if (failing.has(hook.path)) throw new RuntimeError('EHOOK', `${stage} hook ${hook.path}: exit status 1`);
    };
    return { ran, run };
  };
  const hooks = [{ path: '/a' }, { path: '/b' }, { path: '/c' }];

  it('runHooks runs in order', async () => {
    const { ran, run } = recorder(new Set());
    await runHooks(run, 'prestart', hooks, state);
    expect(ran).toEqual(['prestart /a c1', 'prestart /b c1', 'prestart /c c1']);
  });
  it('runHooks stops at the first failure and throws it', async () => {
    const { ran, run } = recorder(new Set(['/b']));
    await expect(runHooks(run, 'prestart', hooks, state)).rejects.toThrow('prestart hook /b: exit status 1');
    expect(ran).toEqual(['prestart /a c1', 'prestart /b c1']);
  });
  it('runAllHooks runs every hook and returns the failures', async () => {
    const { ran, run } = recorder(new Set(['/a', '/c']));
    const failures = await runAllHooks(run, 'poststop', hooks, state);
    expect(ran).toHaveLength(3);
    expect(failures.map((e) => e.message)).toEqual(['poststop hook /a: exit status 1', 'poststop hook /c: exit status 1']);
    expect(await runAllHooks(recorder(new Set()).run, 'poststop', hooks, state)).toEqual([]);
  });
  it('with the real runner: the second of three fails, the third never runs', async () => {
    const f = out();
    const list = [{ path: script(`echo 1 >> ${f}`) }, { path: script(`echo 2 >> ${f}; exit 4`) }, { path: script(`echo 3 >> ${f}`) }];
    await expect(runHooks(runHook, 'prestart', list, state)).rejects.toThrow(/exit status 4/);
    expect(fs.readFileSync(f, 'utf8')).toBe('1\n2\n');
  });
});
