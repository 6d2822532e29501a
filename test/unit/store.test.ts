/**
 * The on-disk protocol of docs/state.md, without root: temp roots, real
 * flock(2), records checked field by field, the sweep of crashed operations.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseArgs, wantsHelp } from '../../src/cli/args.js';
import { createContext } from '../../src/runtime/context.js';
import { deleteContainer } from '../../src/runtime/delete.js';
import { validateId } from '../../src/runtime/ids.js';
import { currentStatus } from '../../src/runtime/liveness.js';
import { lockContainer } from '../../src/runtime/lock.js';
import { state } from '../../src/runtime/state.js';
import { type ContainerRecord, Store } from '../../src/runtime/store.js';

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-store-'));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const record = (id: string, over: Partial<ContainerRecord> = {}): ContainerRecord => ({
  ociVersion: '1.3.0', id, pid: 0, status: 'stopped', bundle: '/b', rootfs: '/b/rootfs', created: '2026-01-01T00:00:00Z', owner: 'root', platform: process.platform, ...over,
});

/** A container directory as an old-protocol create (plain mkdir) or a test fixture leaves it. */
function plant(id: string, stateJson: string | undefined): string {
  const dir = path.join(root, id);
  fs.mkdirSync(dir, { recursive: true });
  if (stateJson !== undefined) fs.writeFileSync(path.join(dir, 'state.json'), stateJson);
  return dir;
}

/** A process that holds flock on `file` until killed (flock(1) from util-linux). */
function holdLock(file: string) {
  const child = spawn('flock', ['-x', file, 'sleep', '60'], { stdio: 'ignore' });
  for (let i = 0; i < 200 && spawnSync('flock', ['-n', '-x', file, 'true']).status === 0; i++) spawnSync('sleep', ['0.01']);
  return child;
}

describe('state.json', () => {
  it.each([
    ['null', 'null'],
    ['{}', '{}'],
    ['an empty file', ''],
    ['garbage', '\u0000not json{'],
    ['an array', '[1]'],
    ['another id', JSON.stringify(record('other'))],
  ])('loading %s is an error naming the file, not a crash', async (_, text) => {
    plant('c1', text);
    const store = new Store(root);
    expect(() => store.load('c1')).toThrow(/^state of c1 is corrupt \(.+\): .*c1\/state\.json$/);
    const ctx = await createContext({ root });
    expect(() => state(ctx, 'c1')).toThrow(/corrupt/);
  });

  it('is written by temp + rename with no temp file left behind, even when the write fails', () => {
    const store = new Store(root);
    const dir = plant('c1', undefined);
    fs.writeFileSync(path.join(dir, `.state.json.${process.pid}-0123abcd.tmp`), '{"half'); // a killed writer's
    store.save(record('c1'));
    store.save(record('c1', { status: 'created' }));
    expect(fs.readdirSync(dir)).toEqual(['state.json']);
    expect(store.load('c1').status).toBe('created');
    // The rename fails (state.json is a non-empty directory there): the temp goes too.
    const odd = plant('c2', undefined);
    fs.mkdirSync(path.join(odd, 'state.json'));
    fs.writeFileSync(path.join(odd, 'state.json', 'x'), '');
    expect(() => store.save(record('c2'))).toThrow(/^write state of c2: EISDIR/);
    expect(fs.readdirSync(odd)).toEqual(['state.json']);
  });
});

describe('create: stage and publish', () => {
  it('publishes a complete directory by rename; a second publish of the same id is "already exists"', () => {
    const store = new Store(root);
    const a = store.stage('c1');
    store.save(record('c1', { status: 'creating' }), a.dir);
    expect(store.ids()).toEqual([]); // not visible while staged
    store.publish(a, 'c1');
    expect(fs.readdirSync(path.join(root, 'c1')).sort()).toEqual(['lock', 'state.json']);
    const b = store.stage('c1');
    store.save(record('c1'), b.dir);
    expect(() => store.publish(b, 'c1')).toThrow('container with given ID already exists');
    store.discard(b);
    b.lock.release();
    a.lock.release();
    expect(fs.readdirSync(root)).toEqual(['c1']);
  });

  it('makes a missing root (0700, with its parents) for the staged directory (0711), and names what it could not make', () => {
    const deep = path.join(root, 'a', 'b');
    const s = new Store(deep).stage('c1');
    expect(fs.statSync(deep).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(root, 'a')).mode & 0o777).toBe(0o700);
    expect(fs.statSync(s.dir).mode & 0o777).toBe(0o711);
    expect(path.dirname(s.dir)).toBe(deep);
    s.lock.release();
    fs.writeFileSync(path.join(root, 'file'), '');
    expect(() => new Store(path.join(root, 'file')).stage('c1')).toThrow(/^create root directory .*\/file: E(EXIST|NOTDIR)/);
    expect(() => new Store(path.join(root, 'file', 'x')).stage('c1')).toThrow(/^create root directory .*\/file\/x: E(EXIST|NOTDIR)/);
    // A root that is there but takes no directory: the staged directory's own error.
    expect(() => new Store('/proc/self').stage('c1')).toThrow(/^create state directory \/proc\/self\/\.creating~c1~/);
  });

  it('a published create holds the lock until it is done; an abandoned one reads as stopped', async () => {
    const store = new Store(root);
    const ctx = await createContext({ root, processInfo: () => ({ startTime: 's', zombie: false }) });
    const s = store.stage('c1');
    // pid 1 is alive, as a killed create's container init would be.
    store.save(record('c1', { status: 'creating', pid: 1, startTime: 's' }), s.dir);
    store.publish(s, 'c1');
    expect(currentStatus(ctx, store.load('c1'))).toBe('creating');
    s.lock.release(); // the create died
    expect(currentStatus(ctx, store.load('c1'))).toBe('stopped');
    expect(state(ctx, 'c1').status).toBe('stopped');
  });

  it('sweeps staged directories whose creator is dead and whose lock is free, and every trash directory', () => {
    const store = new Store(root);
    const dead = spawnSync('true').pid as number;
    const crashed = path.join(root, `.creating~c1~${dead}~0123abcd`);
    const live = path.join(root, `.creating~c2~${process.pid}~0123abcd`);
    const locked = path.join(root, `.creating~c3~${dead}~0123abcd`);
    const trash = path.join(root, '.trash~c4~1~0123abcd');
    for (const d of [crashed, live, locked, trash]) {
      fs.mkdirSync(d);
      fs.writeFileSync(path.join(d, 'lock'), '');
    }
    const holder = holdLock(path.join(locked, 'lock'));
    try {
      const s = store.stage('c5'); // staging sweeps first
      s.lock.release();
      expect(fs.readdirSync(root).sort()).toEqual([path.basename(s.dir), path.basename(live), path.basename(locked)].sort());
    } finally {
      holder.kill('SIGKILL');
    }
  });
});

describe('delete', () => {
  it('renames the directory away before removing it, so a late lock open cannot recreate it', () => {
    const store = new Store(root);
    plant('c1', JSON.stringify(record('c1')));
    const lock = lockContainer(store, 'c1');
    store.remove('c1');
    lock.release();
    expect(() => lockContainer(store, 'c1')).toThrow('container does not exist');
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['{}', '{}'],
    ['null', 'null'],
    ['garbage', 'garbage'],
  ])('--force removes a container whose state.json is %s', async (_, text) => {
    plant('c1', text);
    const ctx = await createContext({ root });
    await deleteContainer(ctx, 'c1', true);
    expect(fs.readdirSync(root)).toEqual([]);
    plant('c2', text);
    await expect(deleteContainer(ctx, 'c2', false)).rejects.toThrow(/state of c2 is unusable .*'delete --force' removes it/);
  });

  it('--force still finishes when a well-formed record carries garbage backend data', async () => {
    plant('c1', JSON.stringify(record('c1', { platform: 'linux', sandbox: { cgroup: 'garbage' } })));
    const ctx = await createContext({ root });
    await deleteContainer(ctx, 'c1', true);
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it('--force removes an abandoned create and a directory left with only a lock file', async () => {
    const ctx = await createContext({ root });
    const s = ctx.store.stage('c1');
    ctx.store.save(record('c1', { status: 'creating' }), s.dir);
    ctx.store.publish(s, 'c1');
    s.lock.release();
    fs.writeFileSync(path.join(plant('c2', undefined), 'lock'), '');
    await deleteContainer(ctx, 'c1', true);
    await deleteContainer(ctx, 'c2', true);
    expect(fs.readdirSync(root)).toEqual([]);
  });
});

describe('ids that look like flags', () => {
  it('are valid ids (as runc), and `--` ends the flags of every command shape', () => {
    for (const id of ['-h', '--help', '-x.y', '.hidden', 'a,b']) expect(validateId(id)).toBe(id);
    for (const id of ['a~b', '.', '..', 'a/b']) expect(() => validateId(id)).toThrow(/invalid container id/);
    const specs = { force: { type: 'bool' as const, alias: 'f' }, bundle: { type: 'string' as const, alias: 'b' } };
    expect(wantsHelp(['--', '-h'], specs)).toBe(false);
    expect(wantsHelp(['--', '--help'], specs)).toBe(false);
    expect(wantsHelp(['-b', '-h', 'id'], specs)).toBe(false); // a flag's value
    expect(wantsHelp(['-f', 'id', '-h'], specs)).toBe(false); // after the first positional
    expect(wantsHelp(['-f', '-h'], specs)).toBe(true);
    expect(wantsHelp(['--bundle=x', '--help', 'id'], specs)).toBe(true);
    expect(parseArgs(['--', '-h', 'sh', '-c', 'x'], specs, { restAfter: 1 })).toMatchObject({ positionals: ['-h'], rest: ['sh', '-c', 'x'] });
    expect(parseArgs(['-f', '--', '--help', '--', 'sh'], specs, { restAfter: 1 })).toMatchObject({ positionals: ['--help'], rest: ['sh'] });
    expect(parseArgs(['id', '--', 'ls'], specs, { restAfter: 1 })).toMatchObject({ positionals: ['id'], rest: ['ls'] });
  });
});

describe('the pieces delete relies on', () => {
  it('read: a reason for each malformed record field, "does not exist" for a missing directory, ESYSTEM for an unreadable file', () => {
    const store = new Store(root);
    const reasons: [Partial<ContainerRecord> | Record<string, unknown>, string][] = [
      [{ pid: -1 }, 'pid is not a non-negative integer'],
      [{ pid: 1.5 }, 'pid is not a non-negative integer'],
      [{ status: 'exploded' }, 'status is not a known status'],
      [{ platform: undefined }, 'platform is missing'],
      [{ sandbox: null }, 'sandbox is not an object'],
      [{ sandbox: 'x' }, 'sandbox is not an object'],
    ];
    for (const [over, why] of reasons) {
      plant('c1', JSON.stringify(record('c1', over as Partial<ContainerRecord>)));
      expect(store.read('c1')).toBe(why);
    }
    plant('c1', JSON.stringify(record('c1', { sandbox: { jid: 3 } })));
    expect(store.read('c1')).toMatchObject({ id: 'c1', sandbox: { jid: 3 } });
    expect(() => store.read('nope')).toThrow('container does not exist');
    fs.writeFileSync(path.join(root, 'f'), '');
    expect(() => store.read('f')).toThrow('container does not exist'); // ENOTDIR
    fs.rmSync(path.join(root, 'c1', 'state.json'));
    expect(store.read('c1')).toBe('state.json is missing');
    fs.mkdirSync(path.join(root, 'c1', 'state.json'));
    expect(() => store.read('c1')).toThrow(/^read state of c1: EISDIR/);
  });

  it('readRecovery: the saved data, or nothing for a missing, garbage or platform-less file', () => {
    const store = new Store(root);
    const dir = plant('c1', undefined);
    expect(store.readRecovery('c1')).toBeUndefined();
    store.saveRecovery(dir, { platform: 'linux', data: { cgroup: '/runj/c1' } });
    expect(store.readRecovery('c1')).toEqual({ platform: 'linux', data: { cgroup: '/runj/c1' } });
    for (const text of ['garbage', 'null', '"linux"', '{"data":{}}', '{"platform":3}']) {
      fs.writeFileSync(path.join(dir, 'recovery.json'), text);
      expect(store.readRecovery('c1')).toBeUndefined();
    }
    expect(() => store.saveRecovery(path.join(root, 'gone'), { platform: 'linux' })).toThrow(/^write recovery data in .*gone: ENOENT/);
  });

  it('remove: a missing directory is no error; nothing is left, not even trash', () => {
    const store = new Store(root);
    store.remove('nope');
    plant('c1', JSON.stringify(record('c1')));
    fs.mkdirSync(path.join(root, 'c1', 'sub'));
    store.remove('c1');
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it('sweep and ids: a missing root is empty; a root that is not a directory is an error for ids', () => {
    const gone = new Store(path.join(root, 'gone'));
    gone.sweep();
    expect(gone.ids()).toEqual([]);
    fs.writeFileSync(path.join(root, 'file'), '');
    const notDir = new Store(path.join(root, 'file'));
    notDir.sweep();
    expect(() => notDir.ids()).toThrow(/^read root directory .*file: ENOTDIR/);
  });
});
