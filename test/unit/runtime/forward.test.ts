import { describe, expect, it } from 'vitest';
import { forwardUntilExit } from '../../../src/runtime/forward.js';
import type { HelperChannel, HelperExit } from '../../../src/runtime/helper.js';

/** A helper whose exit the test decides. */
function helper() {
  let finish: (e: HelperExit) => void = () => {};
  let fail: (e: Error) => void = () => {};
  const h = {
    detached: 0,
    exit: (e: HelperExit) => finish(e),
    crash: (e: Error) => fail(e),
    channel: {
      next: async () => ({ type: 'eof' }) as const,
      send: () => {},
      kill: () => {},
      detach: () => {
        h.detached++;
      },
      exited: () =>
        new Promise<HelperExit>((resolve, reject) => {
          finish = resolve;
          fail = reject;
        }),
      resize: () => {},
      pid: undefined,
    } satisfies HelperChannel,
  };
  return h;
}

const tick = () => new Promise((r) => setImmediate(r));

describe('forwardUntilExit', () => {
  it.each([
    [{ code: 0, signal: null }, 0],
    [{ code: 3, signal: null }, 3],
    [{ code: null, signal: null }, 0],
    [{ code: null, signal: 'SIGKILL' }, 137],
    [{ code: null, signal: 'SIGTERM' }, 143],
  ] as [HelperExit, number][])('exit %j → %i, and the helper is detached', async (exit, status) => {
    const h = helper();
    const p = forwardUntilExit({ signal: () => {} }, h.channel, 1234);
    await tick();
    h.exit(exit);
    expect(await p).toBe(status);
    expect(h.detached).toBe(1);
  });
  it('a signal name the host does not know: 128', async () => {
    const h = helper();
    const p = forwardUntilExit({ signal: () => {} }, h.channel, 1);
    await tick();
    h.exit({ code: null, signal: 'SIGNOPE' as NodeJS.Signals });
    expect(await p).toBe(128);
  });
  it('signals runj gets go to the process while it runs, and no longer after', async () => {
    const h = helper();
    const got: [number, number | string][] = [];
    const before = process.listenerCount('SIGWINCH');
    const p = forwardUntilExit({ signal: (pid, sig) => void got.push([pid, sig]) }, h.channel, 4321);
    expect(process.listenerCount('SIGWINCH')).toBe(before + 1);
    process.emit('SIGWINCH', 'SIGWINCH');
    expect(got).toEqual([[4321, 'SIGWINCH']]);
    h.exit({ code: 0, signal: null });
    expect(await p).toBe(0);
    expect(process.listenerCount('SIGWINCH')).toBe(before);
    process.emit('SIGWINCH', 'SIGWINCH');
    expect(got).toHaveLength(1);
  });
  it('a process already gone (ESRCH from signal): ignored, the exit still comes', async () => {
    const h = helper();
    let tries = 0;
    const p = forwardUntilExit(
      {
        signal: () => {
          tries++;
          throw Object.assign(new Error('kill: ESRCH'), { code: 'ESRCH' });
        },
      },
      h.channel,
      1,
    );
    expect(() => process.emit('SIGWINCH', 'SIGWINCH')).not.toThrow();
    expect(tries).toBe(1);
    h.exit({ code: 7, signal: null });
    expect(await p).toBe(7);
  });
  it('waiting fails: the error, listeners removed, helper detached', async () => {
    const h = helper();
    const before = process.listenerCount('SIGWINCH');
    const p = forwardUntilExit({ signal: () => {} }, h.channel, 1);
    await tick();
    h.crash(new Error('wait failed'));
    await expect(p).rejects.toThrow('wait failed');
    expect(process.listenerCount('SIGWINCH')).toBe(before);
    expect(h.detached).toBe(1);
  });
});
