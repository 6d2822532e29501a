import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { userName } from '../../src/core/userName.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-username-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const passwd = path.join(dir, 'passwd');
fs.writeFileSync(
  passwd,
  ['# a comment:x:4000001:', 'daemon:*:1:1:Owner of many system processes:/root:/usr/sbin/nologin', 'build:x:4000002:4000002::/home/build:/bin/sh', 'broken', 'empty::::', ''].join('\n'),
);

describe('userName', () => {
  it("is the current user's own name for the current uid", () => {
    expect(userName(process.getuid?.() ?? -1, passwd)).toBe(os.userInfo().username);
  });
  it('finds other uids in the passwd file', () => {
    expect(userName(1, passwd)).toBe('daemon');
    expect(userName(4_000_002, passwd)).toBe('build');
  });
  it('is #<uid> for a uid without a name (a comment, a broken or empty line does not name one), or without the file', () => {
    expect(userName(4_000_001, passwd)).toBe('#4000001');
    expect(userName(0 === process.getuid?.() ? 4_000_003 : 0, path.join(dir, 'none'))).toMatch(/^#\d+$/);
    expect(userName(4_000_004, passwd)).toBe('#4000004');
  });
});
