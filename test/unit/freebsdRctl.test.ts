/**
 * linux.resources → rctl(8) rules on the jail (memoryuse, swapuse,
 * maxproc, pcpu), racct usage → runc's stats shape. Pure.
 */
import { describe, expect, it } from 'vitest';
import { parseRacct, racctStats, rctlRules, ruleText } from '../../src/platform/freebsd/rctl.js';
import { errorOf } from './freebsdFixtures.js';

describe('rctl rules from linux.resources', () => {
  it('maps each limit with a FreeBSD meaning to a deny rule', () => {
    const rules = rctlRules({ memory: { limit: 1 << 30, swap: (1 << 30) + (1 << 28) }, pids: { limit: 64 }, cpu: { quota: 150000, period: 100000 } }, 'w');
    expect(rules.map((r) => `${r.resource}:deny=${r.amount}`)).toEqual(['memoryuse:deny=1073741824', 'swapuse:deny=268435456', 'maxproc:deny=64', 'pcpu:deny=150']);
    expect(ruleText('pod.c1', rules[0]!)).toBe('jail:pod.c1:memoryuse:deny=1073741824');
  });
  it('rounds a CPU share up to whole percent and uses the default period', () => {
    expect(rctlRules({ cpu: { quota: 33333 } }, 'w').map((r) => r.amount)).toEqual([34]);
  });
  it('treats -1 and 0 as no limit, and nothing given as no rules', () => {
    expect(rctlRules({ memory: { limit: -1, swap: -1 }, pids: { limit: 0 }, cpu: { quota: -1 } }, 'w')).toEqual([]);
    expect(rctlRules(undefined, 'w')).toEqual([]);
    expect(rctlRules({ memory: { limit: 1024, swap: 1024 } }, 'w').map((r) => [r.resource, r.amount])).toEqual([['memoryuse', 1024], ['swapuse', 0]]);
  });
  it.each<[Record<string, unknown>, string]>([
    [{ memory: { swap: 2048 } }, 'w/memory/swap: a memory+swap limit needs memory.limit'],
    [{ memory: { limit: 4096, swap: 2048 } }, 'w/memory/swap: 2048 is below memory.limit 4096 (swap is memory plus swap)'],
    [{ memory: { limit: 'lots' } }, 'w/memory/limit: must be an integer number of bytes'],
    [{ pids: { limit: 2.5 } }, 'w/pids/limit: must be an integer'],
    [{ cpu: { quota: 1000, period: 0 } }, 'w/cpu/period: must be a positive number of microseconds'],
  ])('%j is refused: %s', (res, message) => {
    expect(errorOf(() => rctlRules(res, 'w'))).toBe(message);
  });
});

describe('racct usage', () => {
  it('parses rctl_get_racct output', () => {
    expect(parseRacct('cputime=12,datasize=4096,memoryuse=1048576,maxproc=3,pcpu=7\n')).toEqual({ cputime: 12, datasize: 4096, memoryuse: 1048576, maxproc: 3, pcpu: 7 });
  });
  it('becomes runc\'s stats shape, with the limits runj set', () => {
    const usage = parseRacct('cputime=2,memoryuse=1048576,maxproc=3');
    expect(racctStats(usage, rctlRules({ memory: { limit: 1 << 30 }, pids: { limit: 64 } }, 'w'))).toEqual({
      cpu: { usage: { total: 2_000_000_000 } },
      memory: { usage: { usage: 1048576, limit: 1073741824 } },
      pids: { current: 3, limit: 64 },
    });
  });
});
