/**
 * Signal names and numbers come from the platform: FreeBSD's differ from
 * Linux's (SIGUSR1 is 30, SIGSTOP 17) and its real-time signals run from
 * SIGRTMIN 65 to SIGRTMAX 126.
 */
import { describe, expect, it } from 'vitest';
import { platformSignals } from '../../src/runtime/backends.js';
import { parseSignal, signalName } from '../../src/runtime/signals.js';

const freebsd = platformSignals('freebsd');

describe('FreeBSD signals', () => {
  it.each([
    ['USR1', 30], ['SIGUSR2', 31], ['stop', 17], ['CONT', 19], ['INFO', 29], ['THR', 32], ['9', 9], ['65', 65], ['100', 100], ['126', 126],
  ])('parses %s as %i', (text, n) => expect(parseSignal(text, 'SIGTERM', freebsd)).toBe(n));
  it.each(['127', '128', '0x1', 'PWR', 'SIGSTKFLT'])('refuses %s', (text) => {
    expect(() => parseSignal(text, 'SIGTERM', freebsd)).toThrow(/unknown signal/);
  });
  it('names FreeBSD numbers', () => {
    expect(signalName(30, freebsd)).toBe('SIGUSR1');
    expect(signalName(66, freebsd)).toBe('66');
  });
  it('the range is the platform\'s: real-time signals to 126 on FreeBSD, 64 on Linux', () => {
    expect(freebsd.max).toBe(126);
    expect(platformSignals('linux').max).toBe(64);
    expect(() => parseSignal('100', 'SIGTERM', platformSignals('linux'))).toThrow(/unknown signal/);
  });
  it('an unknown platform is an error, not a guess', () => {
    expect(() => platformSignals('plan9')).toThrow('no signal table for platform plan9');
  });
});
