import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sys } from '../../src/core/sys.js';

const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;
const EWOULDBLOCK = os.platform() === 'freebsd' ? 35 : 11;
const EBADF = 9;
const EINVAL = 22;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-sys-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('runj-sys.node', () => {
  it('flock: a lock held through one open file is refused through another, and free again once released', () => {
    const file = path.join(dir, 'lock');
    const a = fs.openSync(file, 'w');
    const b = fs.openSync(file, 'r');
    try {
      expect(sys().flock(a, LOCK_EX | LOCK_NB)).toBe(0);
      // flock locks belong to the open file description: a second open() conflicts even in this process.
      expect(sys().flock(b, LOCK_EX | LOCK_NB)).toBe(-EWOULDBLOCK);
      expect(sys().flock(a, LOCK_UN)).toBe(0);
      expect(sys().flock(b, LOCK_EX | LOCK_NB)).toBe(0);
    } finally {
      fs.closeSync(a);
      fs.closeSync(b);
    }
  });

  it('flock: errors come back as -errno, not exceptions', () => {
    expect(sys().flock(-1, LOCK_EX | LOCK_NB)).toBe(-EBADF);
    const fd = fs.openSync(path.join(dir, 'other'), 'w');
    try {
      expect(sys().flock(fd, 0)).toBe(-EINVAL);
    } finally {
      fs.closeSync(fd);
    }
  });

  it('flock: arguments that are not integers are a TypeError', () => {
    const f = sys().flock as unknown as (...a: unknown[]) => number;
    expect(() => f()).toThrow(TypeError);
    expect(() => f('3', 2)).toThrow(/two integers/);
  });

  it('loads once per process', () => {
    expect(sys()).toBe(sys());
  });
});
