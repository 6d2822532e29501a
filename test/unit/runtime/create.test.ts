/**
 * create against the fake backend: what a successful create records, every
 * input it refuses before making anything, and each rollback step, with what
 * is left (processes, jails, state directories) asserted after each failure.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../../../src/core/errors.js';
import type { RuntimeContext } from '../../../src/runtime/context.js';
import { create } from '../../../src/runtime/create.js';
import { deleteContainer } from '../../../src/runtime/delete.js';
import { checkPreservedFds } from '../../../src/runtime/preservedFds.js';
import type { HelperChannel } from '../../../src/runtime/helper.js';
import { state } from '../../../src/runtime/state.js';
import { type ContainerRecord, type Staged, Store } from '../../../src/runtime/store.js';
import { hook, makeBundle } from '../fakes/bundle.js';
import { FakeHost } from '../fakes/host.js';
import { capturingLogger } from '../fakes/log.js';

const NOTHING = { processes: [], jails: [], dirs: [] };

/** The rejection of `p`, which must be a RuntimeError. */
async function failure(p: Promise<unknown>): Promise<RuntimeError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RuntimeError);
  return err as RuntimeError;
}

/** The record as it is on disk (not as state() interprets it). */
function onDisk(ctx: RuntimeContext, id: string): ContainerRecord {
  return JSON.parse(fs.readFileSync(ctx.store.file(id, 'state.json'), 'utf8')) as ContainerRecord;
}

/** A store whose staging can be sabotaged, and which counts lock releases of staged directories. */
class ProbeStore extends Store {
  released = 0;
  staged: string[] = [];
  /** Runs right after a directory is staged (before create writes anything into it). */
  afterStage: ((dir: string) => void) | undefined;
  /** A save of a record with this status fails as a full filesystem would. */
  failSaveOf: string | undefined;

  override stage(id: string): Staged {
    const s = super.stage(id);
    this.staged.push(s.dir);
    const lock = s.lock;
    s.lock = {
      release: () => {
        this.released++;
        lock.release();
      },
    };
    this.afterStage?.(s.dir);
    return s;
  }

  override save(record: ContainerRecord, dir?: string): void {
    if (this.failSaveOf === record.status) throw new RuntimeError('ESYSTEM', `write state of ${record.id}: ENOSPC: no space left on device`);
    super.save(record, dir);
  }
}

async function probed(host: FakeHost, over: Parameters<FakeHost['context']>[0] = {}): Promise<{ ctx: RuntimeContext; store: ProbeStore }> {
  const ctx = await host.context(over);
  const store = new ProbeStore(host.root);
  ctx.store = store;
  return { ctx, store };
}

describe('create: success', () => {
  it('records the container on disk, writes the pid file, logs what prepare said, and detaches the helper', async () => {
    const host = new FakeHost();
    const log = capturingLogger();
    const ctx = await host.context({ log });
    const bundle = makeBundle((c) => {
      c.annotations = { 'org.example': 'x' };
      c.hooks = { poststart: [hook('/bin/post-start')], poststop: [hook('/bin/post-stop')] };
      c.process = { ...(c.process as object), env: ['PATH=/bin', 'A=1'] };
    });
    const pidFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'runj-pid-')), 'c1.pid');
    host.clock.t = Date.parse('2026-03-04T05:06:07.000Z');
    const policy = { file: undefined, ignore: new Set(['linux.seccomp']), sections: {} };

    const { record, helper } = await create(ctx, { id: 'c1', bundle, pidFile, policy });

    expect(helper).toBeUndefined(); // create mode: the caller does not wait for it
    const h = host.helpers[0];
    expect(h?.detached).toBe(true);
    const init = h?.init;
    expect(init).toBeDefined();
    const disk = onDisk(ctx, 'c1');
    expect(disk).toMatchObject({
      id: 'c1',
      status: 'created',
      pid: init?.pid,
      startTime: init?.startTime,
      owner: 'tester',
      created: '2026-03-04T05:06:07.000Z',
      platform: 'fake',
      bundle,
      rootfs: path.join(bundle, 'rootfs'),
      annotations: { 'org.example': 'x' },
      // prepare's data and what setUp returned, merged.
      sandbox: { jid: 1 }, // setUp's result; prepare's data is in recovery.json
      hooks: { poststart: [{ path: '/bin/post-start' }], poststop: [{ path: '/bin/post-stop' }] },
      execDefaults: { process: { args: ['/bin/true'], env: ['PATH=/bin', 'A=1'] } },
    });
    expect(record).toEqual(disk);
    expect(state(ctx, 'c1')).toMatchObject({ status: 'created', pid: init?.pid });
    expect(fs.readdirSync(host.root)).toEqual(['c1']);
    expect(fs.readFileSync(ctx.store.file('c1', 'recovery.json'), 'utf8')).toBe(
      JSON.stringify({ platform: 'fake', data: { name: 'c1', mounts: ['/tmp'] } }),
    );
    // The pid file holds the pid alone, and no temp file of its atomic write is left next to it.
    expect(fs.readFileSync(pidFile, 'utf8')).toBe(String(init?.pid));
    expect(fs.readdirSync(path.dirname(pidFile))).toEqual(['c1.pid']);
    expect(log.lines).toEqual(['warn c1: policy ignores linux.seccomp', 'debug c1: 1 mounts']);
    expect(host.sandbox.jails.get('c1')?.mounts).toEqual(['/tmp']);
    expect(host.events).toEqual(['sandbox.prepare c1', 'sandbox.setUp c1', `helper create ${init?.pid}`]);
  });

  it('sends the helper its plan: mode, fifo dir, preserved fds, backend records, in that order', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    await create(ctx, { id: 'c1', bundle: makeBundle(), preserveFds: 2 });
    const h = host.helpers[0];
    expect(h?.preserveFds).toBe(2);
    expect(h?.sent.slice(0, 6)).toEqual([
      ['version', 1],
      ['mode', 'create'],
      ['fifo-dir', ctx.store.dir('c1')],
      ['preserve-fds', 2],
      ['jail', 1],
      ['end'],
    ]);
    expect(h?.sent.at(-1)).toEqual(['continue']);
  });

  it('run mode: the helper is returned and stays attached; a terminal is relayed without a console socket', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    const bundle = makeBundle((c) => {
      c.process = { ...(c.process as object), terminal: true, consoleSize: { height: 24, width: 80 } };
    });
    const { helper, record } = await create(ctx, { id: 'r1', bundle }, 'run');
    const h = host.helpers[0];
    expect(helper).toBe(h);
    expect(h?.detached).toBe(false);
    expect(h?.sent).toContainEqual(['mode', 'run']);
    expect(h?.sent).toContainEqual(['terminal', 24, 80]);
    expect(h?.sent.some((r) => r[0] === 'console-socket')).toBe(false);
    expect(record.status).toBe('created');
  });

  it('a terminal with a console socket: the socket path goes to the helper, resolved', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    const bundle = makeBundle((c) => {
      c.process = { ...(c.process as object), terminal: true };
    });
    await create(ctx, { id: 't1', bundle, consoleSocket: 'rel/console.sock' });
    const sent = host.helpers[0]?.sent ?? [];
    const i = sent.findIndex((r) => r[0] === 'console-socket');
    expect(sent[i]).toEqual(['console-socket', path.resolve('rel/console.sock')]);
    expect(sent[i + 1]).toEqual(['terminal', 0, 0]);
  });

  it('--systemd-cgroup without linux.cgroupsPath is accepted', async () => {
    const host = new FakeHost();
    const ctx = await host.context({ systemdCgroup: true });
    await create(ctx, { id: 's1', bundle: makeBundle() });
    expect(onDisk(ctx, 's1').status).toBe('created');
  });
});

describe('create: hooks', () => {
  it('prestart then createRuntime run with status "creating" and the init pid; the helper gets its answer only after both', async () => {
    const host = new FakeHost();
    const ctx = await host.context({
      spawnHelper: async (n): Promise<HelperChannel> => {
        const h = await host.spawnHelper(n);
        const send = h.send.bind(h);
        h.send = (records) => {
          host.events.push(`to helper ${records.map((r) => r[0]).join(',')}`);
          send(records);
        };
        return h;
      },
    });
    const states: string[] = [];
    const seen: string[] = [];
    const runHook = host.runHook;
    ctx.runHook = async (stage, hk, st) => {
      states.push(st);
      // Meanwhile others see a creating container (create holds its lock), recorded with the init's pid.
      seen.push(`${state(ctx, 'h1').status} ${onDisk(ctx, 'h1').status} ${onDisk(ctx, 'h1').pid}`);
      await runHook(stage, hk, st);
    };
    const bundle = makeBundle((c) => {
      c.hooks = { prestart: [hook('/bin/p1'), hook('/bin/p2')], createRuntime: [hook('/bin/cr')] };
    });
    const { record } = await create(ctx, { id: 'h1', bundle });
    const pid = host.helpers[0]?.init?.pid;
    expect(host.events).toEqual([
      'sandbox.prepare h1',
      'sandbox.setUp h1',
      'to helper version,mode,fifo-dir,preserve-fds,jail,end',
      `helper create ${pid}`,
      'hook prestart /bin/p1 creating',
      'hook prestart /bin/p2 creating',
      'hook createRuntime /bin/cr creating',
      'to helper state-creating,state-created,continue',
    ]);
    expect(seen).toEqual([`creating creating ${pid}`, `creating creating ${pid}`, `creating creating ${pid}`]);
    const hookState = JSON.parse(states[0] ?? '{}');
    expect(hookState).toEqual({ ociVersion: '1.3.0', id: 'h1', status: 'creating', pid, bundle });
    const answer = host.helpers[0]?.sent ?? [];
    expect(JSON.parse(String(answer.find((r) => r[0] === 'state-created')?.[1]))).toMatchObject({ status: 'created', pid });
    expect(record.status).toBe('created');
  });

  for (const [stage, what, message] of [
    ['prestart', 'fail', 'prestart hook /bin/p1: exit status 1'],
    ['prestart', 'timeout', 'prestart hook /bin/p1: timed out after 2s'],
    ['createRuntime', 'fail', 'createRuntime hook /bin/cr1: exit status 1'],
    ['createRuntime', 'timeout', 'createRuntime hook /bin/cr1: timed out after 2s'],
  ] as const) {
    it(`a ${stage} hook that ends by ${what}: EHOOK, later hooks not run, helper killed, jail torn down, dir removed`, async () => {
      const host = new FakeHost();
      const { ctx, store } = await probed(host);
      const bundle = makeBundle((c) => {
        c.hooks = {
          prestart: [hook('/bin/p1', { timeout: 2 }), hook('/bin/p2')],
          createRuntime: [hook('/bin/cr1', { timeout: 2 }), hook('/bin/cr2')],
        };
      });
      host.hookResults.set(stage === 'prestart' ? '/bin/p1' : '/bin/cr1', what);
      const err = await failure(create(ctx, { id: 'k1', bundle }));
      expect(err.code).toBe('EHOOK');
      expect(err.message).toBe(message);
      const ran = host.events.filter((e) => e.startsWith('hook '));
      expect(ran).toEqual(
        stage === 'prestart' ? ['hook prestart /bin/p1 creating'] : ['hook prestart /bin/p1 creating', 'hook prestart /bin/p2 creating', 'hook createRuntime /bin/cr1 creating'],
      );
      const h = host.helpers[0];
      const pid = h?.init?.pid;
      // The init is SIGKILLed, then the helper, then the backend cleans up.
      expect(host.events.slice(host.events.indexOf(ran.at(-1) as string) + 1)).toEqual([
        `signal ${pid} 9`,
        'helper killed',
        'sandbox.killAll k1 9',
        'sandbox.tearDown k1',
      ]);
      expect(h?.sent.some((r) => r[0] === 'continue')).toBe(false);
      expect(host.leftovers()).toEqual(NOTHING);
      expect(store.released).toBe(1);
    });
  }
});

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
      expect(host.events).toEqual(['sandbox.prepare race']);
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
    expect(host.helpers.length).toBe(1);
    expect(host.leftovers()).toEqual({ processes: [host.helpers[0]?.init?.pid], jails: ['two'], dirs: ['two'] });
    expect(onDisk(ctx, 'two').status).toBe('created');
  });

  it('a missing bundle', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    const bundle = path.join(makeBundle(), 'nope');
    const err = await failure(create(ctx, { id: 'b1', bundle }));
    expect(err.code).toBe('EBUNDLE');
    expect(err.message).toBe(`bundle ${bundle} does not exist`);
    expect(host.events).toEqual([]);
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
    expect(host.events).toEqual([]);
    expect(host.leftovers()).toEqual(NOTHING);
  });

  it('no backend for the host platform: that error, nothing made', async () => {
    const host = new FakeHost();
    const ctx = await host.context({ platform: 'plan9' });
    await expect(create(ctx, { id: 'b1', bundle: makeBundle() })).rejects.toThrow('no backend for platform plan9');
    expect(host.events).toEqual([]);
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
    expect(host.events).toEqual([]);
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
    expect(host.events).toEqual([]);
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
    expect(host.events).toEqual([]);
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
    expect(host.events).toEqual([]);
    expect(host.leftovers()).toEqual(NOTHING);
  });

  for (const mode of ['create', 'run'] as const) {
    it(`a console socket without a terminal (${mode})`, async () => {
      const host = new FakeHost();
      const ctx = await host.context();
      const err = await failure(create(ctx, { id: 't1', bundle: makeBundle(), consoleSocket: '/tmp/sock' }, mode));
      expect(err.code).toBe('EINVALID');
      expect(err.message).toBe('--console-socket: the process has no terminal (process.terminal is false)');
      expect(host.events).toEqual([]);
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
    expect(host.events).toEqual(['sandbox.prepare c1']);
    expect(host.leftovers()).toEqual({ processes: [], jails: [], dirs: ['not-a-dir'] });
  });
});

describe('create: rollback', () => {
  it('prepare throws: the error as is, nothing staged', async () => {
    const host = new FakeHost();
    const { ctx, store } = await probed(host);
    host.sandbox.failOn.set('prepare', new RuntimeError('EUNSUPPORTED', 'linux.seccomp: not supported'));
    const err = await failure(create(ctx, { id: 'c1', bundle: makeBundle() }));
    expect(err.code).toBe('EUNSUPPORTED');
    expect(err.message).toBe('linux.seccomp: not supported');
    expect(store.staged).toEqual([]);
    expect(host.leftovers()).toEqual(NOTHING);
  });

  for (const file of ['recovery.json', 'state.json']) {
    it(`${file} cannot be written in the staged dir: ESYSTEM, staged dir discarded, lock released, nothing set up`, async () => {
      const host = new FakeHost();
      const { ctx, store } = await probed(host);
      // A directory where the file goes: the rename of the written temp file onto it fails (EISDIR).
      store.afterStage = (dir) => fs.mkdirSync(path.join(dir, file, 'x'), { recursive: true });
      const err = await failure(create(ctx, { id: 'c1', bundle: makeBundle() }));
      expect(err.code).toBe('ESYSTEM');
      const staged = store.staged[0] as string;
      expect(err.message).toMatch(file === 'recovery.json' ? new RegExp(`^write recovery data in ${staged}: EISDIR`) : /^write state of c1: EISDIR/);
      expect(store.released).toBe(1);
      expect(fs.existsSync(staged)).toBe(false);
      expect(host.events).toEqual(['sandbox.prepare c1']);
      expect(host.leftovers()).toEqual(NOTHING);
    });
  }

  it('setUp throws: its error, the backend asked to tear down, nothing left', async () => {
    const host = new FakeHost();
    const { ctx, store } = await probed(host);
    host.sandbox.failOn.set('setUp', new RuntimeError('ESYSTEM', 'jail_set: EPERM'));
    const err = await failure(create(ctx, { id: 'c1', bundle: makeBundle() }));
    expect(err.code).toBe('ESYSTEM');
    expect(err.message).toBe('jail_set: EPERM');
    expect(host.events).toEqual(['sandbox.prepare c1', 'sandbox.setUp c1', 'sandbox.killAll c1 9', 'sandbox.tearDown c1']);
    expect(host.helpers).toEqual([]);
    expect(store.released).toBe(1);
    expect(host.leftovers()).toEqual(NOTHING);
  });

  it('setUp throws after making its jail: tearDown removes the jail', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    host.sandbox.setUpLeavesJail = true;
    host.sandbox.failOn.set('setUp', new RuntimeError('ESYSTEM', 'mount /tmp: EBUSY'));
    const err = await failure(create(ctx, { id: 'c1', bundle: makeBundle() }));
    expect(err.message).toBe('mount /tmp: EBUSY');
    expect(host.events.at(-1)).toBe('sandbox.tearDown c1');
    expect(host.leftovers()).toEqual(NOTHING);
  });

  it('the record cannot be saved after setUp: the jail is torn down, nothing left', async () => {
    const host = new FakeHost();
    const { ctx, store } = await probed(host);
    // The staged record is "creating" too: fail only the save after setUp (the first one that sees jid).
    let saves = 0;
    const save = store.save.bind(store);
    store.save = (r, dir) => {
      if (++saves === 2) throw new RuntimeError('ESYSTEM', 'write state of c1: ENOSPC: no space left on device');
      save(r, dir);
    };
    const err = await failure(create(ctx, { id: 'c1', bundle: makeBundle() }));
    expect(err.code).toBe('ESYSTEM');
    expect(err.message).toBe('write state of c1: ENOSPC: no space left on device');
    expect(host.helpers).toEqual([]);
    expect(host.events).toEqual(['sandbox.prepare c1', 'sandbox.setUp c1', 'sandbox.killAll c1 9', 'sandbox.tearDown c1']);
    expect(host.leftovers()).toEqual(NOTHING);
  });

  it('the helper cannot be spawned: its error, jail torn down, nothing left', async () => {
    const host = new FakeHost();
    const ctx = await host.context({
      spawnHelper: async () => {
        throw new RuntimeError('ESYSTEM', 'spawn runj-helper: EACCES');
      },
    });
    const err = await failure(create(ctx, { id: 'c1', bundle: makeBundle() }));
    expect(err.code).toBe('ESYSTEM');
    expect(err.message).toBe('spawn runj-helper: EACCES');
    expect(host.events).toEqual(['sandbox.prepare c1', 'sandbox.setUp c1', 'sandbox.killAll c1 9', 'sandbox.tearDown c1']);
    expect(host.leftovers()).toEqual(NOTHING);
  });

  for (const step of ['pid', 'hooks', 'ready'] as const) {
    it(`the helper dies before ${step}: EHELPER "container init exited unexpectedly", nothing left`, async () => {
      const host = new FakeHost();
      const { ctx, store } = await probed(host);
      host.script = { dieBefore: step };
      const bundle = makeBundle((c) => {
        c.hooks = { prestart: [hook('/bin/p1')] };
      });
      const err = await failure(create(ctx, { id: 'c1', bundle }));
      expect(err.code).toBe('EHELPER');
      expect(err.message).toBe('container init exited unexpectedly');
      expect(host.events.filter((e) => e.startsWith('hook'))).toEqual(step === 'ready' ? ['hook prestart /bin/p1 creating'] : []);
      expect(host.events.slice(-3)).toEqual(['helper killed', 'sandbox.killAll c1 9', 'sandbox.tearDown c1']);
      expect(host.helpers[0]?.detached).toBe(true); // not waited for any more
      expect(store.released).toBe(1);
      expect(host.leftovers()).toEqual(NOTHING);
    });

    it(`the helper reports an error at ${step}: EHELPER with its message and stage`, async () => {
      const host = new FakeHost();
      const ctx = await host.context();
      host.script = { errorAt: step };
      const err = await failure(create(ctx, { id: 'c1', bundle: makeBundle() }));
      expect(err.code).toBe('EHELPER');
      expect(err.message).toBe(`helper failed at ${step}`);
      expect(err.details).toEqual({ stage: step, errno: 5 });
      expect(host.leftovers()).toEqual(NOTHING);
    });
  }

  it('the init dies with a reason the backend knows (OOM): that reason is the error', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    host.script = { dieBefore: 'ready' };
    host.sandbox.exitReasonText = 'container init was killed: out of memory (memory limit 64 MiB)';
    const err = await failure(create(ctx, { id: 'c1', bundle: makeBundle() }));
    expect(err.code).toBe('EHELPER');
    expect(err.message).toBe('container init was killed: out of memory (memory limit 64 MiB)');
    expect(host.leftovers()).toEqual(NOTHING);
  });

  it('the final save (status created) fails: the running init and helper are killed, nothing left', async () => {
    const host = new FakeHost();
    const { ctx, store } = await probed(host);
    store.failSaveOf = 'created';
    const err = await failure(create(ctx, { id: 'c1', bundle: makeBundle() }));
    expect(err.code).toBe('ESYSTEM');
    expect(err.message).toBe('write state of c1: ENOSPC: no space left on device');
    const pid = host.helpers[0]?.init?.pid;
    expect(host.events.slice(-4)).toEqual([`signal ${pid} 9`, 'helper killed', 'sandbox.killAll c1 9', 'sandbox.tearDown c1']);
    expect(host.leftovers()).toEqual(NOTHING);
  });

  it('the pid file cannot be written: ESYSTEM naming it, nothing left', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    const pidFile = path.join(makeBundle(), 'no-such-dir', 'pid');
    const err = await failure(create(ctx, { id: 'c1', bundle: makeBundle(), pidFile }));
    expect(err.code).toBe('ESYSTEM');
    expect(err.message).toMatch(new RegExp(`^write ${pidFile}: ENOENT`));
    expect(fs.existsSync(path.dirname(pidFile))).toBe(false);
    expect(host.leftovers()).toEqual(NOTHING);
  });

  it('cleanup itself fails: the dir stays as a "creating" record, a warning names delete --force, which then clears it', async () => {
    const host = new FakeHost();
    const log = capturingLogger();
    const { ctx, store } = await probed(host, { log });
    host.script = { errorAt: 'ready' };
    host.sandbox.failOn.set('tearDown', new RuntimeError('ESYSTEM', 'jail_remove: EBUSY'));
    const err = await failure(create(ctx, { id: 'c1', bundle: makeBundle() }));
    // The caller sees the original failure, not the cleanup's.
    expect(err.code).toBe('EHELPER');
    expect(err.message).toBe('helper failed at ready');
    expect(log.lines).toContain("warn c1: cleanup after failed create: jail_remove: EBUSY; 'delete --force c1' retries it");
    expect(store.released).toBe(1);
    expect(host.leftovers()).toEqual({ processes: [], jails: ['c1'], dirs: ['c1'] });
    expect(onDisk(ctx, 'c1').status).toBe('creating');
    // Nobody holds its lock: the abandoned create reads as stopped.
    expect(state(ctx, 'c1').status).toBe('stopped');

    host.sandbox.failOn.delete('tearDown');
    await deleteContainer(ctx, 'c1', true);
    expect(host.leftovers()).toEqual(NOTHING);
  });

  it('a failed create frees the id: the same id can be created again', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    host.script = { errorAt: 'pid' };
    await failure(create(ctx, { id: 'c1', bundle: makeBundle() }));
    await create(ctx, { id: 'c1', bundle: makeBundle() });
    expect(state(ctx, 'c1').status).toBe('created');
    expect(host.leftovers().dirs).toEqual(['c1']);
  });
});

describe('--preserve-fds as the create and run commands check it (preservedFds.ts)', () => {
  for (const n of [-1, 2.5, Number.NaN]) {
    it(`${n}: EINVALID`, () => {
      let err: unknown;
      try {
        checkPreservedFds(n);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RuntimeError);
      expect((err as RuntimeError).code).toBe('EINVALID');
      expect((err as RuntimeError).message).toBe(`--preserve-fds ${n}: must be a non-negative integer`);
    });
  }

  it('names the first fd from 3 on that is not open; 0 checks nothing', () => {
    let first = 3;
    for (;; first++) {
      try {
        fs.fstatSync(first);
      } catch {
        break;
      }
    }
    expect(() => checkPreservedFds(0)).not.toThrow();
    expect(() => checkPreservedFds(first - 3)).not.toThrow();
    expect(() => checkPreservedFds(first - 2)).toThrow(`--preserve-fds ${first - 2}: fd ${first} is not open`);
  });
});
