import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { SIGNALS, SIGRTMAX } from '../../../src/platform/freebsd/abi.js';
import { freebsdProcessInfo } from '../../../src/platform/freebsd/sandbox.js';
import { linuxProcessInfo } from '../../../src/platform/linux/procinfo.js';
import { loadSandbox, platformSignals, processInfoFor } from '../../../src/runtime/backends.js';

describe('backend selection', () => {
  it.each(['linux', 'freebsd'])('loadSandbox(%s): that backend', async (p) => {
    expect((await loadSandbox(p)).platform).toBe(p);
  });
  it('loadSandbox defaults to the host platform', async () => {
    expect((await loadSandbox()).platform).toBe(process.platform);
  });
  it('loadSandbox of an unknown platform: refused', async () => {
    await expect(loadSandbox('plan9')).rejects.toThrow('no backend for platform plan9');
  });
  it('processInfoFor: each platform its lookup; unknown refused', async () => {
    expect(await processInfoFor('linux')).toBe(linuxProcessInfo);
    expect(await processInfoFor('freebsd')).toBe(freebsdProcessInfo);
    await expect(processInfoFor('plan9')).rejects.toThrow('no process information for platform plan9');
  });
  it("platformSignals: Linux is Node's table up to 64, FreeBSD sys/signal.h up to SIGRTMAX", () => {
    expect(platformSignals('linux')).toEqual({ byName: constants.signals, max: 64 });
    const f = platformSignals('freebsd');
    expect(f).toEqual({ byName: SIGNALS, max: SIGRTMAX });
    expect(f.max).toBe(126);
    expect(f.byName.SIGUSR1).toBe(30); // differs from Linux's 10
    expect(platformSignals().max).toBe(process.platform === 'freebsd' ? 126 : 64);
    expect(() => platformSignals('plan9')).toThrow('no signal table for platform plan9');
  });
});
