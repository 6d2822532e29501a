import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../../../src/core/errors.js';
import type { Process } from '../../../src/plan/spec.js';
import type { RuntimeContext } from '../../../src/runtime/context.js';
import { create } from '../../../src/runtime/create.js';
import { type ExecOptions, exec, processFromFlags } from '../../../src/runtime/exec.js';
import type { HelperChannel, HelperEvent } from '../../../src/runtime/helper.js';
import { kill } from '../../../src/runtime/kill.js';
import { pause } from '../../../src/runtime/pause.js';
import { start } from '../../../src/runtime/start.js';
import { state } from '../../../src/runtime/state.js';
import { makeBundle } from '../fakes/bundle.js';
import { FakeHost } from '../fakes/host.js';
import { capturingLogger } from '../fakes/log.js';

async function running(id = 'c1'): Promise<{ host: FakeHost; ctx: RuntimeContext; init: number }> {
  const host = new FakeHost();
  const ctx = await host.context();
  await create(ctx, { id, bundle: makeBundle() });
  await start(ctx, id);
  return { host, ctx, init: state(ctx, id).pid };
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'runj-exec-'));
const opts = (o: Partial<ExecOptions> = {}): ExecOptions => ({ id: 'c1', args: ['/bin/ps'], detach: true, ...o });

/** Rejects with a RuntimeError of this code whose message matches. */
async function rejects(p: Promise<unknown>, code: string, msg: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RuntimeError);
  expect((err as RuntimeError).code).toBe(code);
  expect((err as RuntimeError).message).toMatch(msg);
}

/** The container's own process is all that runs, and the exec spawned nothing (or nothing is left of it). */
function onlyInit(host: FakeHost, init: number): void {
  expect(host.leftovers().processes).toEqual([init]);
}

describe('exec refuses a container that is not running', () => {
  it('stopped: "container not running", no helper', async () => {
    const { host, ctx } = await running();
    await kill(ctx, 'c1', 'KILL');
    await rejects(exec(ctx, opts()), 'ENOTRUNNING', /^container not running$/);
    expect(host.helpers).toHaveLength(1); // the create's only
    expect(host.leftovers().processes).toEqual([]);
  });
  it('paused: "container not running", the container stays paused', async () => {
    const { host, ctx, init } = await running();
    await pause(ctx, 'c1');
    await rejects(exec(ctx, opts()), 'ENOTRUNNING', /^container not running$/);
    expect(state(ctx, 'c1').status).toBe('paused');
    expect(host.helpers).toHaveLength(1);
    onlyInit(host, init);
  });
  it('a missing container: "container does not exist"', async () => {
    const host = new FakeHost();
    const ctx = await host.context();
    await rejects(exec(ctx, opts({ id: 'nope' })), 'ENOTEXIST', /^container does not exist$/);
    expect(host.helpers).toHaveLength(0);
  });
});

describe('exec --process FILE', () => {
  it('a valid process file: its args go to the backend, detached exec returns 0', async () => {
    const { host, ctx, init } = await running();
    const file = path.join(tmp(), 'process.json');
    fs.writeFileSync(file, JSON.stringify({ args: ['/bin/echo', 'from-file'], cwd: '/', user: { uid: 0, gid: 0 } }));
    expect(await exec(ctx, opts({ processFile: file, args: [] }))).toBe(0);
    const h = host.helpers.at(-1);
    expect(h?.sent).toContainEqual(['arg', 'from-file']);
    expect(h?.sent).toContainEqual(['exec']);
    expect(h?.detached).toBe(true);
    expect(host.leftovers().processes).toEqual([init, h?.init?.pid]);
  });
  it('--tty with a process file turns the terminal on', async () => {
    const { host, ctx } = await running();
    const file = path.join(tmp(), 'process.json');
    fs.writeFileSync(file, JSON.stringify({ args: ['/bin/sh'], cwd: '/' }));
    const sock = path.join(tmp(), 'console.sock');
    expect(await exec(ctx, opts({ processFile: file, args: [], tty: true, consoleSocket: sock }))).toBe(0);
    expect(host.helpers.at(-1)?.sent).toContainEqual(['console-socket', sock]);
    expect(host.helpers.at(-1)?.sent).toContainEqual(['terminal', 0, 0]);
  });
  it('not JSON: ECONFIG naming the file, no helper', async () => {
    const { host, ctx, init } = await running();
    const file = path.join(tmp(), 'bad.json');
    fs.writeFileSync(file, '{ not json');
    await rejects(exec(ctx, opts({ processFile: file })), 'ECONFIG', new RegExp(`^${file}: .*JSON`));
    expect(host.helpers).toHaveLength(1);
    onlyInit(host, init);
  });
  it('schema-invalid (args not an array): ECONFIG naming the file', async () => {
    const { host, ctx, init } = await running();
    const file = path.join(tmp(), 'p.json');
    fs.writeFileSync(file, JSON.stringify({ args: 'ls', cwd: '/' }));
    await rejects(exec(ctx, opts({ processFile: file })), 'ECONFIG', new RegExp(`${file}.*args`, 's'));
    expect(host.helpers).toHaveLength(1);
    onlyInit(host, init);
  });
  it('larger than 4 MiB: refused before reading, naming the limit', async () => {
    const { host, ctx, init } = await running();
    const file = path.join(tmp(), 'big.json');
    fs.writeFileSync(file, '');
    fs.truncateSync(file, 4 * 1024 * 1024 + 1);
    await rejects(exec(ctx, opts({ processFile: file })), 'ECONFIG', /big\.json: larger than runj's limit for a process file \(4 MiB\)/);
    onlyInit(host, init);
  });
  it('a missing file: ECONFIG saying the file does not exist', async () => {
    const { host, ctx, init } = await running();
    await rejects(exec(ctx, opts({ processFile: '/nonexistent/process.json' })), 'ECONFIG', /^\/nonexistent\/process\.json does not exist$/);
    onlyInit(host, init);
  });
});

describe('processFromFlags: runc exec flags over the container process', () => {
  const base: Process = { args: ['/bin/sh'], cwd: '/home', user: { uid: 5, gid: 6 }, env: ['PATH=/bin', 'A=1'], terminal: true, consoleSize: { height: 1, width: 2 } };
  const flags = (o: Partial<ExecOptions>): ExecOptions => ({ id: 'c1', args: ['/bin/ls'], ...o });

  it('no command: EUSAGE', () => {
    expect(() => processFromFlags(base, flags({ args: [] }))).toThrow(expect.objectContaining({ code: 'EUSAGE', message: 'exec: a command is required (or --process FILE)' }));
  });
  it('keeps the base, replaces args, turns the terminal off without --tty, drops consoleSize', () => {
    const p = processFromFlags(base, flags({}));
    expect(p).toMatchObject({ args: ['/bin/ls'], cwd: '/home', user: { uid: 5, gid: 6 }, terminal: false });
    expect(p.consoleSize).toBeUndefined();
    expect(base.args).toEqual(['/bin/sh']); // the base is not changed
    expect(processFromFlags(base, flags({ tty: true })).terminal).toBe(true);
  });
  it('no base: uid 0, cwd /', () => {
    expect(processFromFlags(undefined, flags({}))).toMatchObject({ user: { uid: 0, gid: 0 }, cwd: '/', env: [] });
  });
  it('--cwd replaces the working directory', () => {
    expect(processFromFlags(base, flags({ cwd: '/tmp' })).cwd).toBe('/tmp');
  });
  it('--env adds or overrides by key', () => {
    expect(processFromFlags(base, flags({ env: ['A=2', 'B=x=y'] })).env).toEqual(['PATH=/bin', 'A=2', 'B=x=y']);
  });
  it.each(['NOEQUALS', '=value'])('--env %s is refused', (e) => {
    expect(() => processFromFlags(base, flags({ env: [e] }))).toThrow(expect.objectContaining({ code: 'EINVALID', message: `--env: "${e}" is not of the form KEY=VALUE` }));
  });
  it('--user UID keeps the gid, UID:GID sets both', () => {
    expect(processFromFlags(base, flags({ user: '7' })).user).toEqual({ uid: 7, gid: 6 });
    expect(processFromFlags(base, flags({ user: '7:8' })).user).toEqual({ uid: 7, gid: 8 });
    expect(processFromFlags(base, flags({ user: '4294967294:4294967294' })).user).toEqual({ uid: 4294967294, gid: 4294967294 });
  });
  it.each(['root', '1:', ':1', '-1', '1:2:3'])('--user %s is refused as not numbers', (u) => {
    expect(() => processFromFlags(base, flags({ user: u }))).toThrow(expect.objectContaining({ code: 'EINVALID', message: `--user: "${u}" must be UID[:GID] (numbers)` }));
  });
  it('--user 4294967295 ((uid_t)-1, "no change") is refused for uid and gid', () => {
    expect(() => processFromFlags(base, flags({ user: '4294967295' }))).toThrow(/--user: 4294967295 is not a valid uid/);
    expect(() => processFromFlags(base, flags({ user: '0:4294967295' }))).toThrow(/--user: 4294967295 is not a valid gid/);
  });
  it('--additional-gids: numbers, each checked', () => {
    expect(processFromFlags(base, flags({ additionalGids: ['1', '2'] })).user).toEqual({ uid: 5, gid: 6, additionalGids: [1, 2] });
    expect(() => processFromFlags(base, flags({ additionalGids: ['wheel'] }))).toThrow(expect.objectContaining({ code: 'EINVALID', message: '--additional-gids: "wheel" is not a number' }));
    expect(() => processFromFlags(base, flags({ additionalGids: ['4294967295'] }))).toThrow(/--additional-gids: 4294967295 is not a valid gid/);
    expect(processFromFlags(base, flags({ additionalGids: [] })).user.additionalGids).toBeUndefined();
  });
  it('--no-new-privs sets noNewPrivileges', () => {
    expect(processFromFlags(base, flags({ noNewPrivs: true })).noNewPrivileges).toBe(true);
    expect(processFromFlags(base, flags({})).noNewPrivileges).toBeUndefined();
  });
  it('--cap adds to every set once, keeping what the base has', () => {
    const withCaps: Process = { ...base, capabilities: { bounding: ['CAP_KILL'], effective: ['CAP_KILL'] } };
    const c = processFromFlags(withCaps, flags({ caps: ['CAP_KILL', 'CAP_CHOWN'] })).capabilities;
    expect(c).toEqual({ bounding: ['CAP_KILL', 'CAP_CHOWN'], effective: ['CAP_KILL', 'CAP_CHOWN'], permitted: ['CAP_KILL', 'CAP_CHOWN'], ambient: ['CAP_KILL', 'CAP_CHOWN'] });
    expect(processFromFlags(base, flags({ caps: ['CAP_NET_RAW'] })).capabilities?.inheritable).toBeUndefined();
  });
});

describe('exec flags reach the helper; bad ones stop before it', () => {
  it('the container process with --env/--cwd goes to the backend and helper in order', async () => {
    const { host, ctx } = await running();
    expect(await exec(ctx, opts({ args: ['/bin/echo', 'hi'] }))).toBe(0);
    const sent = host.helpers.at(-1)?.sent ?? [];
    expect(sent[0]).toEqual(['version', 1]);
    expect(sent).toContainEqual(['mode', 'create']);
    expect(sent).toContainEqual(['preserve-fds', 0]);
    expect(sent.filter((r) => r[0] === 'arg')).toEqual([['arg', '/bin/echo'], ['arg', 'hi']]);
    expect(sent.at(-1)).toEqual(['end']);
    expect(host.events.filter((e) => e.startsWith('sandbox.execRecords') || e.startsWith('helper exec'))).toHaveLength(2);
  });
  it('a bad --env: EINVALID, no helper', async () => {
    const { host, ctx, init } = await running();
    await rejects(exec(ctx, opts({ env: ['X'] })), 'EINVALID', /--env/);
    expect(host.helpers).toHaveLength(1);
    onlyInit(host, init);
  });
  it('--tty with --detach and no console socket: refused as runc does', async () => {
    const { host, ctx } = await running();
    await rejects(exec(ctx, opts({ tty: true })), 'EINVALID', /cannot allocate tty if runj will detach without setting console socket/);
    expect(host.helpers).toHaveLength(1);
  });
  it('--console-socket without --tty: refused', async () => {
    const { ctx } = await running();
    await rejects(exec(ctx, opts({ consoleSocket: '/tmp/x.sock' })), 'EINVALID', /--console-socket: the process has no terminal/);
  });
  it('--preserve-fds negative: EINVALID, no helper', async () => {
    const { host, ctx } = await running();
    await rejects(exec(ctx, opts({ preserveFds: -1 })), 'EINVALID', /^--preserve-fds -1: must be a non-negative integer$/);
    expect(host.helpers).toHaveLength(1);
  });
  it('--preserve-fds naming an fd that is not open: EINVALID naming it', async () => {
    const { host, ctx } = await running();
    await rejects(exec(ctx, opts({ preserveFds: 5000 })), 'EINVALID', /^--preserve-fds 5000: fd \d+ is not open$/);
    expect(host.helpers).toHaveLength(1);
  });
  it('--preserve-fds with open fds: the count goes to the helper', async () => {
    const { host, ctx } = await running();
    const fds: number[] = [];
    try {
      // Make sure fds 3 and 4 are open (the test runner may already hold them).
      for (let i = 0; i < 2; i++) fds.push(fs.openSync('/dev/null', 'r'));
      expect(await exec(ctx, opts({ preserveFds: 2 }))).toBe(0);
      expect(host.helpers.at(-1)?.preserveFds).toBe(2);
      expect(host.helpers.at(-1)?.sent).toContainEqual(['preserve-fds', 2]);
    } finally {
      for (const fd of fds) fs.closeSync(fd);
    }
  });
  it('the backend refuses (its jail is gone): ENOTRUNNING, no helper', async () => {
    const { host, ctx, init } = await running();
    host.sandbox.jails.delete('c1');
    await rejects(exec(ctx, opts()), 'ENOTRUNNING', /^container not running$/);
    expect(host.helpers).toHaveLength(1);
    onlyInit(host, init);
  });
});

describe('exec: a helper that fails at each step', () => {
  it('dies before the pid: EHELPER "the process exited before it started"', async () => {
    const { host, ctx, init } = await running();
    host.script = { dieBefore: 'pid' };
    await rejects(exec(ctx, opts()), 'EHELPER', /^exec: the process exited before it started$/);
    onlyInit(host, init);
    expect(state(ctx, 'c1').status).toBe('running');
  });
  it('an error instead of the pid: EHELPER with the helper message and stage', async () => {
    const { host, ctx, init } = await running();
    host.script = { errorAt: 'pid' };
    const err = await exec(ctx, opts()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'EHELPER', message: 'helper failed at pid', details: { stage: 'pid' } });
    onlyInit(host, init);
  });
  it('end of file after the pid, before ready: "the process exited before it started", no pid file', async () => {
    const { host, ctx, init } = await running();
    host.script = { dieBefore: 'ready' };
    const pidFile = path.join(tmp(), 'exec.pid');
    await rejects(exec(ctx, opts({ pidFile })), 'EHELPER', /^exec: the process exited before it started$/);
    expect(fs.existsSync(pidFile)).toBe(false);
    onlyInit(host, init);
  });
  it('an error instead of ready: EHELPER, the process is gone', async () => {
    const { host, ctx, init } = await running();
    host.script = { errorAt: 'ready' };
    await rejects(exec(ctx, opts()), 'EHELPER', /^helper failed at ready$/);
    onlyInit(host, init);
  });
});

describe('exec: messages the exec protocol does not expect', () => {
  it('a hooks message between pid and ready is passed over', async () => {
    const { host, ctx } = await running();
    const sent: unknown[] = [];
    const queue: HelperEvent[] = [{ type: 'pid', pid: 4242 }, { type: 'hooks' }, { type: 'ready' }];
    let detached = false;
    const channel: HelperChannel = {
      next: async () => queue.shift() ?? { type: 'eof' },
      send: (r) => void sent.push(...r),
      detach: () => {
        detached = true;
      },
      kill: () => {},
      exited: async () => ({ code: 0, signal: null }),
      resize: () => {},
      pid: undefined,
    };
    const ctx2 = { ...ctx, spawnHelper: async () => channel };
    const pidFile = path.join(tmp(), 'exec.pid');
    expect(await exec(ctx2, opts({ pidFile }))).toBe(0);
    expect(fs.readFileSync(pidFile, 'utf8')).toBe('4242');
    expect(detached).toBe(true);
    expect(queue).toEqual([]);
    expect(sent).toContainEqual(['exec']);
    expect(host.helpers).toHaveLength(1);
  });
});

describe('exec: pid file, detach and foreground', () => {
  it('--pid-file gets the exec process pid', async () => {
    const { host, ctx } = await running();
    const pidFile = path.join(tmp(), 'exec.pid');
    expect(await exec(ctx, opts({ pidFile }))).toBe(0);
    const pid = host.helpers.at(-1)?.init?.pid;
    expect(fs.readFileSync(pidFile, 'utf8')).toBe(String(pid));
    expect(host.procs.get(pid ?? 0)?.state).toBe('alive');
  });
  it('foreground: mode run, returns the process exit status and detaches after', async () => {
    const { host, ctx } = await running();
    const p = exec(ctx, opts({ detach: false }));
    const h = await until(() => (host.helpers.length === 2 ? host.helpers[1] : undefined));
    const proc = await until(() => (h.started ? h.init : undefined));
    expect(h.detached).toBe(false);
    host.exit(proc, { code: 3, signal: null });
    expect(await p).toBe(3);
    expect(h.sent).toContainEqual(['mode', 'run']);
    expect(h.detached).toBe(true);
  });
  it('foreground: a process killed by a signal gives 128+signal', async () => {
    const { host, ctx } = await running();
    const p = exec(ctx, opts({ detach: false, tty: true }));
    const h = await until(() => host.helpers[1]);
    const proc = await until(() => (h.started ? h.init : undefined));
    host.signal(proc.pid, 'SIGTERM');
    expect(await p).toBe(128 + 15);
    expect(h.sent).toContainEqual(['terminal', 0, 0]); // a foreground tty needs no console socket
  });
});

/** Waits (turning the event loop) until `f` gives a value. */
async function until<T>(f: () => T | undefined): Promise<T> {
  for (let i = 0; i < 1000; i++) {
    const v = f();
    if (v !== undefined) return v;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('condition never held');
}

describe('exec --apparmor and --process-label: no backend applies them', () => {
  it.each([
    ['apparmor', '--apparmor', 'AppArmor is'],
    ['processLabel', '--process-label', 'SELinux labels are'],
  ] as const)('%s is refused before the helper starts, naming the flag and the policy key', async (key, flag, what) => {
    const { host, ctx } = await running();
    const helpers = host.helpers.length;
    await rejects(exec(ctx, opts({ [key]: 'x' })), 'EUNSUPPORTED', new RegExp(`^exec: ${flag}: ${what} not supported by this backend; list "process\\.\\w+" under "ignore"`));
    expect(host.helpers.length).toBe(helpers);
  });
  it('an empty value means none: exec runs', async () => {
    const { ctx } = await running();
    expect(await exec(ctx, opts({ apparmor: '', processLabel: '' }))).toBe(0);
  });
  it('with the policy ignoring both, exec runs and warns once per flag', async () => {
    const host = new FakeHost();
    const log = capturingLogger();
    const policy = { file: '/etc/runj/policy.json', ignore: new Set(['process.apparmorProfile', 'process.selinuxLabel']), sections: {} };
    const ctx = await host.context({ log, policy: () => policy });
    await create(ctx, { id: 'c1', bundle: makeBundle() });
    await start(ctx, 'c1');
    expect(await exec(ctx, opts({ apparmor: 'p', processLabel: 'l' }))).toBe(0);
    expect(log.lines.filter((l) => l.includes('ignoring --'))).toEqual([
      'warn c1: exec: ignoring --apparmor as the host policy (/etc/runj/policy.json) allows',
      'warn c1: exec: ignoring --process-label as the host policy (/etc/runj/policy.json) allows',
    ]);
  });
});

describe('exec --process FILE with apparmorProfile or selinuxLabel', () => {
  const processFile = (extra: Record<string, unknown>) => {
    const file = path.join(tmp(), 'process.json');
    fs.writeFileSync(file, JSON.stringify({ args: ['/bin/ps'], cwd: '/', user: { uid: 0, gid: 0 }, ...extra }));
    return file;
  };
  it.each([
    ['apparmorProfile', 'AppArmor is'],
    ['selinuxLabel', 'SELinux labels are'],
  ])('%s is refused naming the file and the field, not dropped', async (field, what) => {
    const { host, ctx } = await running();
    const helpers = host.helpers.length;
    const file = processFile({ [field]: 'x' });
    await rejects(exec(ctx, opts({ processFile: file })), 'EUNSUPPORTED', new RegExp(`^exec: ${file}: /${field}: ${what} not supported by this backend`));
    expect(host.helpers.length).toBe(helpers);
  });
  it('ignored by the host policy: exec runs and warns naming the field', async () => {
    const host = new FakeHost();
    const log = capturingLogger();
    const policy = { file: '/p.json', ignore: new Set(['process.apparmorProfile']), sections: {} };
    const ctx = await host.context({ log, policy: () => policy });
    await create(ctx, { id: 'c1', bundle: makeBundle() });
    await start(ctx, 'c1');
    const file = processFile({ apparmorProfile: 'docker-default' });
    expect(await exec(ctx, opts({ processFile: file }))).toBe(0);
    expect(log.lines).toContain(`warn c1: exec: ignoring ${file}: /apparmorProfile as the host policy (/p.json) allows`);
  });
});
