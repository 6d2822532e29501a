import { describe, expect, it } from 'vitest';
import { allowed, check } from '../../src/runtime/status.js';
import type { Status, Operation } from '../../src/runtime/status.js';
import { validateId } from '../../src/runtime/ids.js';
import { parseSignal, signalName } from '../../src/runtime/signals.js';
import { formatLine } from '../../src/core/log.js';

describe('status transitions', () => {
  const cases: [Operation, Status, boolean][] = [
    ['start', 'created', true],
    ['start', 'running', false],
    ['start', 'stopped', false],
    ['start', 'creating', false],
    ['kill', 'created', true],
    ['kill', 'running', true],
    ['kill', 'stopped', false],
    ['kill', 'creating', false],
    ['delete', 'stopped', true],
    ['delete', 'created', true],
    ['delete', 'running', false],
    ['forceDelete', 'running', true],
    ['pause', 'running', true],
    ['pause', 'created', false],
    ['resume', 'paused', true],
    ['resume', 'running', false],
  ];
  it.each(cases)('%s from %s → %s', (op, status, ok) => {
    expect(allowed(op, status)).toBe(ok);
  });
  it('uses runc wording for refusals', () => {
    expect(() => check('kill', 'stopped', 'c1')).toThrow('container not running');
    expect(() => check('start', 'stopped', 'c1')).toThrow('cannot start a container that has stopped');
    expect(() => check('start', 'running', 'c1')).toThrow('cannot start an already running container');
    expect(() => check('delete', 'running', 'c1')).toThrow('cannot delete container c1 that is not stopped: running');
  });
});

describe('container ids', () => {
  it.each(['a', 'abc-123', 'x_y.z+w', 'A'.repeat(228)])('accepts %s', (id) => {
    expect(validateId(id)).toBe(id);
  });
  it.each(['', '.', '..', 'a/b', '../x', 'a b', 'a\nb', 'é', 'A'.repeat(229), 'a:b'])('rejects %j', (id) => {
    expect(() => validateId(id)).toThrow(/container id/);
  });
  it('rejects a missing id', () => {
    expect(() => validateId(undefined)).toThrow('container id cannot be empty');
  });
});

describe('signals', () => {
  // Numbers are the host platform's: SIGUSR1 is 10 on Linux, 30 on FreeBSD (sys/signal.h);
  // the highest signal is 64 on Linux, SIGRTMAX 126 on FreeBSD.
  const host = ({ linux: { SIGUSR1: 10, max: 64 }, freebsd: { SIGUSR1: 30, max: 126 } } as Record<string, { SIGUSR1: number; max: number }>)[process.platform];
  if (!host) throw new Error(`no signal numbers for platform ${process.platform}`);
  it.each([
    ['9', 9],
    ['KILL', 9],
    ['SIGKILL', 9],
    ['sigkill', 9],
    ['term', 15],
    ['HUP', 1],
    ['SIGUSR1', host.SIGUSR1],
  ])('%s → %d', (text, n) => {
    expect(parseSignal(text)).toBe(n);
  });
  it('defaults to TERM', () => expect(parseSignal(undefined)).toBe(15));
  it.each([String(host.max + 1), 'NOPE', 'SIG', '-9', '9x'])('rejects %s', (s) => {
    expect(() => parseSignal(s)).toThrow(/unknown signal/);
  });
  it('names signals', () => expect(signalName(15)).toBe('SIGTERM'));
});

describe('log lines', () => {
  const t = Date.parse('2026-01-02T03:04:05.678Z');
  it('json lines match runc (string levels)', () => {
    expect(JSON.parse(formatLine('error', 'boom "x"', 'json', t))).toEqual({
      level: 'error',
      msg: 'boom "x"',
      time: '2026-01-02T03:04:05.678Z',
    });
  });
  it('text lines are logrus-style', () => {
    expect(formatLine('warning', 'a b', 'text', t)).toBe('time="2026-01-02T03:04:05.678Z" level=warning msg="a b"\n');
  });
});
