import { describe, expect, it } from 'vitest';
import { isoTime } from '../../src/core/isoTime.js';

const YEAR0 = -62_167_219_200_000; // 0000-01-01T00:00:00.000Z
const YEAR10000 = 253_402_300_800_000; // +010000-01-01T00:00:00.000Z

describe('isoTime', () => {
  it('writes what Date#toISOString writes, at the edges of days, months, leap years and eras', () => {
    const edges = [0, -1, 1, 86_399_999, 86_400_000, YEAR0, YEAR0 - 1, YEAR10000 - 1, YEAR10000, YEAR0 - 1e10];
    for (const y of [1900, 1970, 1999, 2000, 2024, 2100, 2400, 9999]) {
      for (const [mo, d] of [[0, 1], [1, 28], [1, 29], [2, 1], [11, 31]]) {
        const t = Date.UTC(y, mo as number, d as number);
        edges.push(t, t - 1, t + 999, t + 86_399_999);
      }
    }
    for (const t of edges) expect(isoTime(t), String(t)).toBe(new Date(t).toISOString());
  });

  it('agrees with Date on 100000 random times from year 0 to beyond 9999', () => {
    for (let i = 0; i < 100_000; i++) {
      const t = Math.floor(YEAR0 - 1e12 + Math.random() * (YEAR10000 - YEAR0 + 2e12));
      expect(isoTime(t)).toBe(new Date(t).toISOString());
    }
  });

  it('truncates a fraction of a millisecond as Date does, and refuses what Date refuses', () => {
    expect(isoTime(1.9)).toBe(new Date(1.9).toISOString());
    expect(isoTime(-1.9)).toBe(new Date(-1.9).toISOString());
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
    expect(() => isoTime(8.64e15 + 1)).toThrow(RangeError);
  });
});
