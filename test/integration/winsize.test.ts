/**
 * The helper's winsize channel (native/README.md, "Terminal"), with the real
 * helper: a process on a relayed pty (exec mode on the host, `mode run`,
 * `fork`), sizes sent as `winsize` records after `ready` and read back with
 * `stty size` inside; malformed records are ignored, an over-long one ends
 * the channel but not the relay, and the exit status still comes through.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { HelperRecord } from '../../src/backend/protocol.js';
import { Helper } from '../../src/runtime/helper.js';
import { isRoot } from './harness.js';

const spawned: Helper[] = [];
afterEach(() => {
  // A failed test leaves no relay behind (its process gets SIGHUP when the master closes).
  for (const h of spawned.splice(0)) if (h.child.exitCode === null && h.child.signalCode === null) h.kill();
});

const SCRIPT = 'stty size; for i in 1 2 3; do read x; stty size; done; exit 5';

function spawnRelay(extra: HelperRecord[]) {
  const helper = Helper.spawn(0, { stdio: ['pipe', 'pipe', 'pipe'], detached: false });
  spawned.push(helper);
  let out = '';
  helper.child.stdout?.setEncoding('utf8');
  helper.child.stdout?.on('data', (s: string) => (out += s.replace(/\r/g, '')));
  helper.send([
    ['version', 1], ['mode', 'run'], ['exec'], ['fork'], ['terminal', 0, 0], ...extra,
    ['arg', '/bin/sh'], ['arg', '-c'], ['arg', SCRIPT], ['env', 'PATH=/usr/bin:/bin'], ['end'],
  ] as HelperRecord[]);
  // The output's lines without the empty ones the pty echoes for each newline typed.
  const lines = () => out.split('\n').filter(Boolean);
  const until = async (n: number) => {
    for (let i = 0; i < 200 && lines().length < n; i++) await new Promise((r) => setTimeout(r, 25));
    return lines();
  };
  return { helper, until, lines, type: (s: string) => helper.child.stdin?.write(s) };
}

const settle = () => new Promise((r) => setTimeout(r, 200));

describe.skipIf(!isRoot)('winsize channel', () => {
  it('applies winsize records to the relayed pty; bad ones are ignored, an over-long one ends only the channel', async () => {
    const { helper, until, lines, type } = spawnRelay([['winsize-channel']]);
    const ready: string[] = [];
    for (let m = await helper.next(); m.type !== 'ready'; m = await helper.next()) ready.push(m.type);
    expect(ready).toEqual(['pid']);
    expect(await until(1)).toEqual(['0 0']); // no size asked, none copied (fd 0 is a pipe)
    helper.resize(33, 101);
    helper.send([['winsize', 0, 5], ['winsize', 70000, 5], ['winsize', '7x', 5] as unknown as HelperRecord, ['winsize', 9] as unknown as HelperRecord, ['end']]);
    await settle();
    type('\n');
    expect(await until(2)).toEqual(['0 0', '33 101']);
    helper.send([['arg', 'x'.repeat(100)]]); // longer than any record: the channel ends
    helper.resize(44, 55);
    await settle();
    type('\n');
    expect(await until(3)).toEqual(['0 0', '33 101', '33 101']);
    type('\n'); // the relay still carries input
    expect(await helper.exited()).toEqual({ code: 5, signal: null });
    expect(lines()).toEqual(['0 0', '33 101', '33 101', '33 101']);
    helper.detach();
  });

  it('is refused without a relayed terminal', async () => {
    const helper = Helper.spawn(0, { stdio: ['ignore', 'ignore', 'ignore'] as never, detached: false });
    helper.send([['version', 1], ['mode', 'run'], ['exec'], ['fork'], ['winsize-channel'], ['arg', '/bin/true'], ['end']]);
    const m = await helper.next();
    expect(m).toMatchObject({ type: 'error', stage: 'plan', msg: '"winsize-channel" needs "terminal" without "console-socket"' });
    await helper.exited();
    helper.detach();
  });
});
