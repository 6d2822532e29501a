/** The container lock: real flock(2) on temp files, a second holder being another open file or another process. */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLocked, lockContainer, tryLockFile } from '../../../src/runtime/lock.js';
import { Store } from '../../../src/runtime/store.js';
import { fails } from './lifecycle.js';

let root: string;
let store: Store;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-lock-'));
  store = new Store(root);
  fs.mkdirSync(store.dir('c1'));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

/** Another process holding `file` locked, until it is killed or `seconds` pass. */
async function holder(file: string, seconds: number) {
  const child = spawn('sh', ['-c', `exec 9<>"$1"; flock -x 9; echo locked; exec sleep ${seconds}`, 'sh', file]);
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`holder exited ${code}`)));
  });
  return child;
}

describe('tryLockFile and isLocked', () => {
  it('one holder at a time, even within one process; free again once released', () => {
    const file = path.join(root, 'c1', 'lock');
    expect(isLocked(file)).toBe(false); // missing: nobody holds it
    const a = tryLockFile(file, true);
    expect(a).toBeDefined();
    expect(tryLockFile(file)).toBeUndefined();
    expect(isLocked(file)).toBe(true);
    a?.release();
    expect(isLocked(file)).toBe(false);
    const b = tryLockFile(file);
    expect(b).toBeDefined();
    b?.release();
  });

  it('without create a missing file is an error; isLocked says free for a missing file or directory', () => {
    expect(() => tryLockFile(path.join(root, 'c1', 'nope'))).toThrow(/ENOENT/);
    fs.writeFileSync(path.join(root, 'file'), '');
    expect(isLocked(path.join(root, 'file', 'lock'))).toBe(false); // ENOTDIR
    expect(isLocked(path.join(root, 'gone', 'lock'))).toBe(false);
  });

  it('isLocked passes on errors other than a missing file', () => {
    fs.mkdirSync(path.join(root, 'c1', 'lock'));
    expect(() => isLocked(path.join(root, 'c1', 'lock'))).toThrow(/EISDIR/);
  });

  it('the kernel drops the lock of a holder that dies', async () => {
    const file = path.join(root, 'c1', 'lock');
    const child = await holder(file, 60);
    expect(isLocked(file)).toBe(true);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    expect(isLocked(file)).toBe(false);
  });
});

describe('lockContainer', () => {
  it('takes the lock (making the file), and a second taker waits its timeout then gets ELOCKED', () => {
    const lock = lockContainer(store, 'c1', 50);
    expect(isLocked(store.file('c1', 'lock'))).toBe(true);
    const t0 = Date.now();
    try {
      expect(() => lockContainer(store, 'c1', 80)).toThrow('container c1 is locked by another operation');
    } finally {
      lock.release();
    }
    expect(Date.now() - t0).toBeGreaterThanOrEqual(80);
    lockContainer(store, 'c1', 50).release();
  });

  it('waits for a holder that finishes within the timeout', async () => {
    await holder(store.file('c1', 'lock'), 0.3);
    const t0 = Date.now();
    const lock = lockContainer(store, 'c1', 10_000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
    lock.release();
  });

  it('a container directory renamed away while waiting: "container does not exist", and no lock file recreated', async () => {
    const trash = path.join(root, '.trash~c1~1~0123abcd');
    const child = spawn('sh', ['-c', 'exec 9<>"$1"; flock -x 9; echo locked; sleep 0.2; mv "$2" "$3"', 'sh', store.file('c1', 'lock'), store.dir('c1'), trash]);
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    await fails(() => lockContainer(store, 'c1', 10_000), 'ENOTEXIST', 'container does not exist');
    expect(fs.readdirSync(root)).toEqual([path.basename(trash)]);
  });

  it('a missing container, or a file where its directory should be: "container does not exist"', async () => {
    await fails(() => lockContainer(store, 'nope'), 'ENOTEXIST', 'container does not exist');
    fs.writeFileSync(path.join(root, 'f'), '');
    await fails(() => lockContainer(store, 'f'), 'ENOTEXIST', 'container does not exist');
    expect(fs.readdirSync(root).sort()).toEqual(['c1', 'f']);
  });

  it('a lock path that cannot be opened for another reason: ESYSTEM naming the container', async () => {
    fs.mkdirSync(store.file('c1', 'lock'));
    await fails(() => lockContainer(store, 'c1'), 'ESYSTEM', /^open lock of c1: EISDIR/);
  });
});
