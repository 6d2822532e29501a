import { describe, expect, it } from 'vitest';
import { forwardUntilExit } from '../../../src/runtime/forward.js';
import type { HelperChannel, HelperExit } from '../../../src/runtime/helper.js';

/** A helper whose exit the test decides; it records how it was waited for. */
function helper() {
  let finish: (e: HelperExit) => void = () => {};
  let fail: (e: Error) => void = () => {};
  const h = {
    detached: 0,
    waits: [] as (boolean | undefined)[],
    exit: (e: HelperExit) => finish(e),
    crash: (e: Error) => fail(e),
    channel: {
      next: async () => ({ type: 'eof' }) as const,
      send: () => {},
      kill: () => {},
      detach: () => {
        h.detached++;
      },
      exited: (forward?: boolean) => {
        h.waits.push(forward);
        return new Promise<HelperExit>((resolve, reject) => {
          finish = resolve;
          fail = reject;
        });
      },
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
    [{ code: 255, signal: null }, 255],
    [{ code: null, signal: null }, 0],
    [{ code: null, signal: 'SIGKILL' }, 137],
    [{ code: null, signal: 'SIGTERM' }, 143],
    [{ code: null, signal: 'SIGINT' }, 130],
  ] as [HelperExit, number][])('exit %j → %i; the helper is waited for with its signals forwarded, then detached', async (exit, status) => {
    const h = helper();
    const p = forwardUntilExit(h.channel);
    await tick();
    expect(h.waits).toEqual([true]);
    expect(h.detached).toBe(0);
    h.exit(exit);
    expect(await p).toBe(status);
    expect(h.detached).toBe(1);
  });
  it('a signal name the host does not know: 128', async () => {
    const h = helper();
    const p = forwardUntilExit(h.channel);
    h.exit({ code: null, signal: 'SIGNOPE' as NodeJS.Signals });
    expect(await p).toBe(128);
  });
  it('waiting fails: the error, and the helper is detached', async () => {
    const h = helper();
    const p = forwardUntilExit(h.channel);
    h.crash(new Error('wait failed'));
    await expect(p).rejects.toThrow('wait failed');
    expect(h.detached).toBe(1);
  });
});
