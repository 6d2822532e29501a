/**
 * The addon's waitForwarding (native/sys_addon.c), with which `run` and
 * attached `exec` wait for the helper: a blocking waitpid during which the
 * signals runj gets go to the child, and after which runj's own signal
 * dispositions are as they were. The signals come from other processes:
 * this one is blocked in the wait.
 */
import { spawn as spawnAsync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sys } from '../../src/core/sys.js';

/** Starts `file` with `args` after its argv[0], through the addon (as the helper is). */
const spawn = (file: string, ...args: string[]) => {
  const pid = sys().spawn(file, [path.basename(file), ...args], [0, 1, 2], false);
  expect(pid).toBeGreaterThan(0);
  return pid;
};
/** After `delay` seconds, another process sends `sig` to `pid`. */
const later = (delay: number, sig: string, pid: number) => spawnAsync('/bin/sh', ['-c', `sleep ${delay}; kill -${sig} ${pid}`], { stdio: 'ignore' });
/** Which of the forwarded signals (HUP INT QUIT USR1 USR2 TERM WINCH) this process catches: its /proc SigCgt mask. */
const FORWARDED_BITS = [1, 2, 3, 10, 12, 15, 28].reduce((m, s) => m | (1n << BigInt(s - 1)), 0n);
const caught = () => BigInt(`0x${/SigCgt:\s+([0-9a-f]+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1]}`) & FORWARDED_BITS;
const tick = (ms = 50) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(process.platform !== 'linux')('waitForwarding', () => {
  it('returns the exit status, or the signal, once the child is gone, and reaps it', () => {
    const exits = spawn('/bin/sh', '-c', 'exit 3');
    expect(sys().waitForwarding(exits)).toEqual([exits, 1, 3]);
    expect(sys().waitpid(exits, true)).toBe(-10); // ECHILD: reaped
    const sleeper = spawn('/bin/sleep', '30');
    later(0.1, 'KILL', sleeper);
    expect(sys().waitForwarding(sleeper)).toEqual([sleeper, 2, 9]);
  });

  it("passes each forwarded signal runj gets on to the child, not to runj's own handlers, and puts those back after", async () => {
    const child = spawn('/bin/sh', '-c', 'trap "exit 7" HUP; trap "echo" WINCH USR2; while :; do sleep 0.02; done');
    let heard = 0;
    const onHup = () => heard++;
    process.on('SIGHUP', onHup);
    try {
      const before = caught();
      // WINCH and USR2 are caught by the child (which keeps running), then HUP ends it.
      later(0.2, 'WINCH', process.pid);
      later(0.3, 'USR2', process.pid);
      later(0.5, 'HUP', process.pid);
      const started = Date.now();
      expect(sys().waitForwarding(child)).toEqual([child, 1, 7]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(450);
      await tick();
      expect(heard).toBe(0); // not delivered to runj's listener meanwhile, nor left pending for it
      expect(caught()).toBe(before);
      process.kill(process.pid, 'SIGHUP'); // runj's own handler is back
      for (let i = 0; i < 100 && heard === 0; i++) await tick(10);
      expect(heard).toBe(1);
    } finally {
      process.off('SIGHUP', onHup);
    }
  });

  it('a pid that is not a child: -ECHILD, with nothing left installed; a bad pid: a TypeError', () => {
    const before = caught();
    expect(sys().waitForwarding(1)).toBe(-10);
    expect(caught()).toBe(before);
    expect(() => sys().waitForwarding(0)).toThrow(TypeError);
    expect(() => (sys().waitForwarding as (p?: unknown) => unknown)('x')).toThrow(TypeError);
  });
});
