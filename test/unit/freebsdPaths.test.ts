import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeCreated, resolveInRoot } from '../../src/platform/freebsd/paths.js';
import { errorOf } from './freebsdFixtures.js';

let tmp: string;
let root: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-paths-'));
  root = path.join(tmp, 'root');
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  fs.mkdirSync(path.join(tmp, 'outside'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('destinations inside the root', () => {
  it('plain paths', () => {
    expect(resolveInRoot(root, '/etc')).toBe(path.join(root, 'etc'));
  });
  it('an absolute symlink is resolved against the root, not the host', () => {
    fs.symlinkSync('/outside', path.join(root, 'data'));
    const created: string[] = [];
    expect(resolveInRoot(root, '/data', { create: 'dir', created })).toBe(path.join(root, 'outside'));
    expect(created).toEqual([path.join(root, 'outside')]);
    expect(fs.readdirSync(path.join(tmp, 'outside'))).toEqual([]);
  });
  it('.. in a symlink stops at the root', () => {
    fs.symlinkSync('../../../outside', path.join(root, 'etc', 'x'));
    expect(resolveInRoot(root, '/etc/x', { create: 'dir' })).toBe(path.join(root, 'outside'));
  });
  it('the last component is followed too (a mount on a symlink would follow it on the host)', () => {
    fs.symlinkSync('/etc', path.join(root, 'link'));
    expect(resolveInRoot(root, '/link')).toBe(path.join(root, 'etc'));
  });
  it('relative symlinks through several levels', () => {
    fs.mkdirSync(path.join(root, 'usr', 'local'), { recursive: true });
    fs.mkdirSync(path.join(root, 'usr', 'etc'));
    fs.symlinkSync('usr/local', path.join(root, 'opt'));
    fs.symlinkSync('../etc', path.join(root, 'usr', 'local', 'cfg'));
    expect(resolveInRoot(root, '/opt/cfg')).toBe(path.join(root, 'usr', 'etc'));
  });
  it('symlink loops fail', () => {
    fs.symlinkSync('b', path.join(root, 'a'));
    fs.symlinkSync('a', path.join(root, 'b'));
    expect(errorOf(() => resolveInRoot(root, '/a'))).toContain('too many symbolic links');
  });
  it('a file in the middle fails', () => {
    fs.writeFileSync(path.join(root, 'etc', 'hosts'), '');
    expect(errorOf(() => resolveInRoot(root, '/etc/hosts/x', { create: 'dir' }))).toContain('is not a directory');
  });
  it('missing without create fails', () => {
    expect(errorOf(() => resolveInRoot(root, '/nope'))).toContain('does not exist');
  });
});

describe('mount points runj creates', () => {
  it('creates missing directories and a file for a file mount, records them, and removes them again', () => {
    const created: string[] = [];
    const p = resolveInRoot(root, '/a/b/resolv.conf', { create: 'file', created });
    expect(fs.statSync(p).isFile()).toBe(true);
    expect(created).toEqual([path.join(root, 'a'), path.join(root, 'a', 'b'), path.join(root, 'a', 'b', 'resolv.conf')]);
    expect(removeCreated(created)).toEqual([]);
    expect(fs.existsSync(path.join(root, 'a'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'etc'))).toBe(true);
  });
  it('leaves a directory the container put files in, and a file with content', () => {
    const created: string[] = [];
    resolveInRoot(root, '/a/f', { create: 'file', created });
    fs.writeFileSync(path.join(root, 'a', 'f'), 'data');
    fs.writeFileSync(path.join(root, 'a', 'other'), '');
    expect(removeCreated(created)).toEqual([]);
    expect(fs.readFileSync(path.join(root, 'a', 'f'), 'utf8')).toBe('data');
  });
});
