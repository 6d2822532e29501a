/**
 * create: every input it refuses before making anything, with nothing left.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RuntimeError } from '../../../src/core/errors.js';
import { create } from '../../../src/runtime/create.js';
import { makeBundle } from '../fakes/bundle.js';
import { FakeHost } from '../fakes/host.js';
import { failure } from '../fakes/assert.js';
import { NOTHING, onDisk, probed } from './createFixtures.js';

// create reads config.json and loads its backend, then starts the helper (it starts up while
// the config is validated and planned); input refused after that kills it before it is sent a
// plan, so it has made nothing. A bundle or config.json that cannot be read, or a platform
// without a backend, is refused before any helper is started.
const UNSENT = ['helper killed'];
const UNSTARTED: string[] = [];

describe('create: input refused before anything is made', () => {
  const cases: [string, string | undefined, string][] = [
    ['empty', '', 'container id cannot be empty'],
    ['undefined', undefined, 'container id cannot be empty'],
    ['a slash', 'a/b', 'invalid container id format: a/b'],
    ['a tilde (store-internal names)', 'a~b', 'invalid container id format: a~b'],
    ['"."', '.', 'invalid container id format: .'],
    ['".."', '..', 'invalid container id format: ..'],
    ['a space', 'a b', 'invalid container id format: a b'],
    // The id is part of a file name (at most 255 bytes) in the store, with 27 bytes of staging decoration.
    ['too long for a file name', 'x'.repeat(229), 'invalid container id: longer than 228 characters'],
    ['far too long', 'x'.repeat(1025), 'invalid container id: longer than 228 characters'],
  ];
  for (const [name, id, message] of cases) {
    it(`bad id: ${name}`, async () => {
      const host = new FakeHost();
      const ctx = await host.context();
      const err = await failure(create(ctx, { id: id as string, bundle: makeBundle() }));
      expect(err.code).toBe('EINVALID');
      expect(err.message).toBe(message);
      expect(host.events).toEqual([]);
      expect(host.leftovers()).toEqual(NOTHING);
    });
  }

  it('accepts ids runc accepts: a leading dash, dots, plus, comma', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    for (const id of ['-h', 'a.b', 'a+b,c', 'x'.repeat(228)]) await create(ctx, { id, bundle: makeBundle() });
    expect(ctx.store.ids()).toEqual(['-h', 'a+b,c', 'a.b', 'x'.repeat(228)].sort());
  });

  for (const n of [-1, 1.5, Number.NaN]) {
    it(`--preserve-fds ${n}`, async () => {
      const host = new FakeHost();
      const ctx = await host.context();
      const err = await failure(create(ctx, { id: 'p1', bundle: makeBundle(), preserveFds: n }));
      expect(err.code).toBe('EINVALID');
      expect(err.message).toBe('--preserve-fds: must be a non-negative integer');
      expect(host.events).toEqual([]);
      expect(host.leftovers()).toEqual(NOTHING);
    });
  }

  it('a duplicate id: EEXISTS, and the existing container is untouched', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    const first = await create(ctx, { id: 'd1', bundle: makeBundle() });
    const before = fs.readFileSync(ctx.store.file('d1', 'state.json'), 'utf8');
    const events = host.events.length;
    const err = await failure(create(ctx, { id: 'd1', bundle: makeBundle() }));
    expect(err.code).toBe('EEXISTS');
    expect(err.message).toBe('container with given ID already exists');
    expect(host.events.length).toBe(events); // nothing prepared, spawned or signalled
    expect(host.helpers.length).toBe(1);
    expect(fs.readFileSync(ctx.store.file('d1', 'state.json'), 'utf8')).toBe(before);
    expect(host.leftovers()).toEqual({ processes: [first.record.pid], jails: ['d1'], dirs: ['d1'] });
  });

  for (const [racer, make] of [
    ['a published container directory', (dir: string) => fs.mkdirSync(dir) === undefined && fs.writeFileSync(path.join(dir, 'state.json'), 'theirs')],
    ['a file', (dir: string) => fs.writeFileSync(dir, 'theirs')],
  ] as const) {
    it(`a duplicate that appears (${racer}) between the exists check and publish: EEXISTS, staged dir discarded, lock released`, async () => {
      const host = new FakeHost();
      const { ctx, store } = await probed(host);
      const target = ctx.store.dir('race');
      store.afterStage = () => make(target);
      const err = await failure(create(ctx, { id: 'race', bundle: makeBundle() }));
      expect(err.code).toBe('EEXISTS');
      expect(err.message).toBe('container with given ID already exists');
      expect(store.released).toBe(1);
      // The helper, started first (it starts up while the bundle is read), is killed unsent.
      expect(host.events).toEqual(['sandbox.prepare race', 'helper killed']);
      // Only the racer's entry is left, as it made it.
      expect(host.leftovers()).toEqual({ processes: [], jails: [], dirs: ['race'] });
      const theirs = fs.statSync(target).isDirectory() ? path.join(target, 'state.json') : target;
      expect(fs.readFileSync(theirs, 'utf8')).toBe('theirs');
    });
  }

  it('two creates of one id at once: one wins, the other gets EEXISTS and leaves nothing of its own', async () => {
    const host = new FakeHost();
    const { ctx, store } = await probed(host);
    const results = await Promise.allSettled([create(ctx, { id: 'two', bundle: makeBundle() }), create(ctx, { id: 'two', bundle: makeBundle() })]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won.length).toBe(1);
    expect(lost.map((r) => [(r.reason as RuntimeError).code, (r.reason as RuntimeError).message])).toEqual([['EEXISTS', 'container with given ID already exists']]);
    // Both passed the exists check (both prepared): the loser was stopped by publish.
    expect(host.events.filter((e) => e === 'sandbox.prepare two').length).toBe(2);
    expect(store.released).toBe(2);
    // Each started its helper; the loser's was killed before it was sent a plan.
    expect(host.helpers.length).toBe(2);
    expect(host.events.filter((e) => e === 'helper killed').length).toBe(1);
    const winner = host.helpers.find((h) => h.init);
    expect(host.leftovers()).toEqual({ processes: [winner?.init?.pid], jails: ['two'], dirs: ['two'] });
    expect(onDisk(ctx, 'two').status).toBe('created');
  });

  it('the helper is started with the namespaces its backend may enter before the plan, read from config.json as it is', async () => {
    const host = new FakeHost();
    const asked: unknown[] = [];
    const seen: unknown[] = [];
    const sandbox = Object.assign(Object.create(host.sandbox), {
      earlyUnshare: (doc: unknown) => {
        seen.push(doc);
        return ['net', 'uts'];
      },
    });
    const ctx = await host.context({
      backend: async () => sandbox,
      spawnHelper: (n, early) => {
        asked.push(early);
        return host.spawnHelper(n);
      },
    });
    const bundle = makeBundle();
    await create(ctx, { id: 'e1', bundle });
    expect(seen).toEqual([JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8'))]);
    expect(asked).toEqual([['net', 'uts']]);
  });

  it('a missing bundle', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    const bundle = path.join(makeBundle(), 'nope');
    const err = await failure(create(ctx, { id: 'b1', bundle }));
    expect(err.code).toBe('EBUNDLE');
    expect(err.message).toBe(`bundle ${bundle} does not exist`);
    expect(host.events).toEqual(UNSTARTED);
    expect(host.leftovers()).toEqual(NOTHING);
  });

  it('a bundle without config.json', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    const bundle = makeBundle();
    fs.rmSync(path.join(bundle, 'config.json'));
    const err = await failure(create(ctx, { id: 'b1', bundle }));
    expect(err.code).toBe('EBUNDLE');
    expect(err.message).toBe(`${path.join(bundle, 'config.json')} does not exist`);
    expect(host.leftovers()).toEqual(NOTHING);
  });

  it('a bundle that is a file', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    const bundle = path.join(makeBundle(), 'config.json');
    const err = await failure(create(ctx, { id: 'b1', bundle }));
    expect(err.code).toBe('EBUNDLE');
    expect(err.message).toBe(`bundle ${bundle} is not a directory`);
    expect(host.leftovers()).toEqual(NOTHING);
  });

  it('config.json that is a directory', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    const bundle = makeBundle();
    const file = path.join(bundle, 'config.json');
    fs.rmSync(file);
    fs.mkdirSync(file);
    const err = await failure(create(ctx, { id: 'b1', bundle }));
    expect(err.code).toBe('EBUNDLE');
    expect(err.message).toBe(`${file}: not a regular file (a directory)`);
    expect(host.leftovers()).toEqual(NOTHING);
  });

  it('config.json that cannot be opened (a symlink loop): EBUNDLE with the reason', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    const bundle = makeBundle();
    const file = path.join(bundle, 'config.json');
    fs.rmSync(file);
    fs.symlinkSync('config.json', file);
    const err = await failure(create(ctx, { id: 'b1', bundle }));
    expect(err.code).toBe('EBUNDLE');
    expect(err.message).toMatch(new RegExp(`^cannot read ${file}: ELOOP`));
    expect(host.leftovers()).toEqual(NOTHING);
  });

  it('without --bundle the bundle is the current directory', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    const bundle = makeBundle();
    const cwd = process.cwd();
    process.chdir(bundle);
    try {
      const { record } = await create(ctx, { id: 'b1' });
      expect(record.bundle).toBe(process.cwd());
      expect(record.rootfs).toBe(path.join(process.cwd(), 'rootfs'));
    } finally {
      process.chdir(cwd);
    }
    expect(onDisk(ctx, 'b1').status).toBe('created');
  });

  it('a config the plan cannot use (no root.path): ECONFIG, nothing made', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    const bundle = makeBundle((c) => {
      c.root = undefined;
    });
    const err = await failure(create(ctx, { id: 'b1', bundle }));
    expect(err.code).toBe('ECONFIG');
    expect(err.message).toBe('config.json: /root/path: is required to create a container');
    expect(host.events).toEqual(UNSENT);
    expect(host.leftovers()).toEqual(NOTHING);
  });

  it('no backend for the host platform: that error, nothing made', async () => {
    const host = new FakeHost();
    const ctx = await host.context({ platform: 'plan9' });
    await expect(create(ctx, { id: 'b1', bundle: makeBundle() })).rejects.toThrow('no backend for platform plan9');
    expect(host.events).toEqual(UNSTARTED);
    expect(host.leftovers()).toEqual(NOTHING);
  });

  it('config.json that is not JSON', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    const bundle = makeBundle();
    fs.writeFileSync(path.join(bundle, 'config.json'), '{"ociVersion":');
    const err = await failure(create(ctx, { id: 'b1', bundle }));
    expect(err.code).toBe('ECONFIG');
    expect(err.message).toMatch(new RegExp(`^${path.join(bundle, 'config.json')}: invalid JSON: `));
    expect(host.events).toEqual(UNSTARTED);
    expect(host.leftovers()).toEqual(NOTHING);
  });

  it('config.json that fails validation: ECONFIG naming the field', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    const bundle = makeBundle((c) => {
      c.process = { ...(c.process as object), args: 'not-an-array' };
    });
    const err = await failure(create(ctx, { id: 'b1', bundle }));
    expect(err.code).toBe('ECONFIG');
    expect(err.message).toMatch(/process\/args/);
    expect(host.events).toEqual(UNSENT);
    expect(host.leftovers()).toEqual(NOTHING);
  });

  it('--systemd-cgroup with linux.cgroupsPath: EUNSUPPORTED', async () => {
    const host = new FakeHost();
    const ctx = await host.context({ systemdCgroup: true });
    const bundle = makeBundle((c) => {
      c.linux = { cgroupsPath: 'system.slice:runj:c1' };
    });
    const err = await failure(create(ctx, { id: 'c1', bundle }));
    expect(err.code).toBe('EUNSUPPORTED');
    expect(err.message).toBe('--systemd-cgroup: config.json: /linux/cgroupsPath: systemd cgroup management is not supported by this backend');
    expect(host.events).toEqual(UNSENT);
    expect(host.leftovers()).toEqual(NOTHING);
  });

  it('a terminal without a console socket in create mode', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    const bundle = makeBundle((c) => {
      c.process = { ...(c.process as object), terminal: true };
    });
    const err = await failure(create(ctx, { id: 't1', bundle }));
    expect(err.code).toBe('EINVALID');
    expect(err.message).toBe('cannot allocate tty if runj will detach without setting console socket');
    expect(host.events).toEqual(UNSENT);
    expect(host.leftovers()).toEqual(NOTHING);
  });

  for (const mode of ['create', 'run'] as const) {
    it(`a console socket without a terminal (${mode})`, async () => {
      const host = new FakeHost();
      const ctx = await host.context();
      const err = await failure(create(ctx, { id: 't1', bundle: makeBundle(), consoleSocket: '/tmp/sock' }, mode));
      expect(err.code).toBe('EINVALID');
      expect(err.message).toBe('--console-socket: the process has no terminal (process.terminal is false)');
      expect(host.events).toEqual(UNSENT);
      expect(host.leftovers()).toEqual(NOTHING);
    });
  }

  it('a store root that is a regular file: ESYSTEM naming the root, nothing set up', async () => {
    const host = new FakeHost();
    const root = path.join(host.root, 'not-a-dir');
    fs.writeFileSync(root, '');
    const ctx = await host.context({ root } as Parameters<FakeHost['context']>[0]);
    const err = await failure(create(ctx, { id: 'c1', bundle: makeBundle() }));
    expect(err.code).toBe('ESYSTEM');
    expect(err.message).toMatch(new RegExp(`^create root directory ${root}: E(EXIST|NOTDIR)`));
    expect(host.events).toEqual(['sandbox.prepare c1', ...UNSENT]);
    expect(host.leftovers()).toEqual({ processes: [], jails: [], dirs: ['not-a-dir'] });
  });
});
