/**
 * childExit (src/core/childExit.ts): a child's exit awaited on the event loop.
 * In this process (vitest's worker, whose thread pool is long started) the
 * statuses and the signal handling; in a fresh Node process, the two things a
 * worker cannot show: no thread is started for the wait, and a process whose
 * only pending work is the wait stays alive until the child is gone.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { childExit } from '../../src/core/childExit.js';
import { nativeFile } from '../../src/core/native.js';
import { sys } from '../../src/core/sys.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-childexit-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Starts `file` with `args` after its argv[0]. */
const spawn = (file: string, ...args: string[]) => {
  const pid = sys().spawn(file, [path.basename(file), ...args], [0, 1, 2], false);
  expect(pid).toBeGreaterThan(0);
  return pid;
};

describe('childExit', () => {
  it('resolves with the exit status, or the signal, once the child is gone, and reaps it', async () => {
    const exits = spawn('/bin/sh', '-c', 'exit 3');
    expect(await childExit(sys(), exits)).toEqual([exits, 1, 3]);
    expect(sys().waitpid(exits, true)).toBe(-10); // ECHILD: reaped
    const sleeper = spawn('/bin/sleep', '30');
    const waited = childExit(sys(), sleeper);
    await new Promise((r) => setTimeout(r, 50));
    expect(sys().waitpid(sleeper, true)).toEqual([0, 0, 0]); // still running, not reaped by the wait
    process.kill(sleeper, 'SIGTERM');
    expect(await waited).toEqual([sleeper, 2, 15]);
  });

  it('lets the event loop run while it waits: a signal handler of the caller runs, as run forwards signals', async () => {
    const sleeper = spawn('/bin/sleep', '30');
    const waited = childExit(sys(), sleeper);
    let handled = 0;
    const onSignal = () => {
      handled++;
      process.kill(sleeper, 'SIGKILL');
    };
    process.once('SIGUSR2', onSignal);
    try {
      await new Promise((r) => setTimeout(r, 20));
      process.kill(process.pid, 'SIGUSR2');
      expect(await waited).toEqual([sleeper, 2, 9]);
      expect(handled).toBe(1);
    } finally {
      process.off('SIGUSR2', onSignal);
    }
    expect(process.listenerCount('SIGCHLD')).toBe(0); // its listener is gone with the wait
  });

  it('another child exiting first does not end the wait; a child already reaped is -ECHILD; a bad pid a TypeError', async () => {
    const long = spawn('/bin/sleep', '0.3');
    const short = spawn('/bin/true');
    const started = Date.now();
    expect(await childExit(sys(), long)).toEqual([long, 1, 0]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(sys().waitpid(short, false)).toEqual([short, 1, 0]); // the other child was not reaped by the wait
    expect(await childExit(sys(), long)).toBe(-10);
    expect(() => childExit(sys(), 0)).toThrow(TypeError);
  });

  it.skipIf(process.platform !== 'linux')('in a fresh process: starts no thread, and keeps the process alive until the child is gone', async () => {
    // The wait bundled alone (as the CLI bundle has it), with the addon loaded by path.
    const entry = path.join(dir, 'entry.ts');
    fs.writeFileSync(
      entry,
      `import { childExit } from ${JSON.stringify(path.resolve('src/core/childExit.ts'))};
const mod = { exports: {} as any };
process.dlopen(mod, ${JSON.stringify(nativeFile('runj-sys.node'))});
const threads = () => Number(/Threads:\\s+(\\d+)/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))![1]);
const before = threads();
const pid = mod.exports.spawn('/bin/sleep', ['sleep', '0.2'], [0, 1, 2], false);
childExit(mod.exports, pid).then((r) => console.log(JSON.stringify({ r, pid, before, after: threads() })));
`,
    );
    const out = path.join(dir, 'entry.cjs');
    await build({ entryPoints: [entry], outfile: out, bundle: true, platform: 'node', format: 'cjs', logLevel: 'silent' });
    const r = spawnSync(process.execPath, [out], { encoding: 'utf8', timeout: 10_000 });
    expect(r.stderr).toBe('');
    const got = JSON.parse(r.stdout);
    expect(got.r).toEqual([got.pid, 1, 0]);
    expect(got.after).toBe(got.before);
  });
});
