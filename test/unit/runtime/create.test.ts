/**
 * create against the fake backend: what a successful create records and sends,
 * the hooks it runs, and the --preserve-fds checks.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../../../src/core/errors.js';
import { create } from '../../../src/runtime/create.js';
import { checkPreservedFds } from '../../../src/runtime/preservedFds.js';
import type { HelperChannel } from '../../../src/runtime/helper.js';
import { state } from '../../../src/runtime/state.js';
import { hook, makeBundle } from '../fakes/bundle.js';
import { FakeHost } from '../fakes/host.js';
import { capturingLogger } from '../fakes/log.js';
import { failure } from '../fakes/assert.js';
import { NOTHING, onDisk, probed } from './createFixtures.js';

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
    expect(disk.owner).toBeUndefined(); // list shows the state directory's owner (runc)
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
