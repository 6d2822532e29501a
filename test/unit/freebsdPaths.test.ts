import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeCreated } from '../../src/platform/freebsd/paths.js';

let tmp: string;
let root: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-paths-'));
  root = path.join(tmp, 'root');
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  fs.mkdirSync(path.join(tmp, 'outside'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('mount points runj creates', () => {
  it('removes created directories and an empty file, last first', () => {
    const created = [path.join(root, 'a'), path.join(root, 'a', 'b'), path.join(root, 'a', 'b', 'resolv.conf')];
    fs.mkdirSync(created[1] as string, { recursive: true });
    fs.writeFileSync(created[2] as string, '');
    expect(removeCreated(created)).toEqual([]);
    expect(fs.existsSync(path.join(root, 'a'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'etc'))).toBe(true);
  });
  it('leaves a directory the container put files in, and a file with content', () => {
    const created = [path.join(root, 'a'), path.join(root, 'a', 'f')];
    fs.mkdirSync(path.join(root, 'a'));
    fs.writeFileSync(path.join(root, 'a', 'f'), 'data');
    fs.writeFileSync(path.join(root, 'a', 'other'), '');
    expect(removeCreated(created)).toEqual([]);
    expect(fs.readFileSync(path.join(root, 'a', 'f'), 'utf8')).toBe('data');
  });
  it('a path already gone is fine; another failure is reported', () => {
    const file = path.join(root, 'etc', 'x');
    fs.writeFileSync(path.join(tmp, 'not-a-dir'), '');
    expect(removeCreated([path.join(root, 'gone'), file])).toEqual([]);
    expect(removeCreated([path.join(tmp, 'not-a-dir', 'y')])).toEqual([expect.stringMatching(/^remove .*not-a-dir\/y: ENOTDIR/)]);
  });
});
