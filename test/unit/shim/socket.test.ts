/**
 * The shim's socket: born 0600, its directory made 0711, a dead shim's
 * socket replaced, a live shim's never; and the grouping and exit rules of a
 * shared shim.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GROUP_ENV, SANDBOX_ANNOTATION, bundleAnnotations, groupMode, groupOf } from '../../../src/shim/group.js';
import { ShimLife, lingerMs } from '../../../src/shim/life.js';
import { ensureSocketDir, listenExclusive, probeSocket, removeIfDead } from '../../../src/shim/socket.js';
import { TtrpcServer } from '../../../src/shim/ttrpc/server.js';

const dirs: string[] = [];
const servers: TtrpcServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-sock-'));
  dirs.push(d);
  return d;
};
const mode = (p: string) => fs.statSync(p).mode & 0o777;

/** A socket file whose listener is gone, as a SIGKILLed shim leaves it (a closing Node server would unlink it). */
async function deadSocket(file: string): Promise<void> {
  const script = `require('net').createServer().listen(${JSON.stringify(file)}, () => process.kill(process.pid, 'SIGKILL'))`;
  const r = spawnSync(process.execPath, ['-e', script]);
  expect(r.signal).toBe('SIGKILL');
  expect(fs.statSync(file).isSocket()).toBe(true);
}

describe('shim socket', () => {
  it('is created 0600 whatever the umask, in a directory created 0711', async () => {
    const dir = path.join(tmp(), 'run', 's');
    const old = process.umask(0);
    try {
      const server = new TtrpcServer();
      servers.push(server);
      expect(await listenExclusive(server, `unix://${dir}/sock`)).toBe('listening');
    } finally {
      process.umask(old);
    }
    expect(mode(path.join(dir, 'sock'))).toBe(0o600);
    expect(mode(dir)).toBe(0o711);
    expect(process.umask()).toBe(old);
  });

  it('leaves an existing socket directory as it is', () => {
    const dir = path.join(tmp(), 's');
    fs.mkdirSync(dir, { mode: 0o750 });
    fs.chmodSync(dir, 0o750);
    ensureSocketDir(dir);
    expect(mode(dir)).toBe(0o750);
  });

  it('replaces a dead shim socket (ECONNREFUSED), never a live one', async () => {
    const dir = tmp();
    const file = path.join(dir, 'sock');
    await deadSocket(file);
    expect(await probeSocket(file)).toBe('stale');
    const first = new TtrpcServer();
    servers.push(first);
    expect(await listenExclusive(first, file)).toBe('listening');
    expect(await probeSocket(file)).toBe('live');
    const second = new TtrpcServer();
    expect(await listenExclusive(second, file)).toBe('busy');
    expect(await probeSocket(file)).toBe('live');
    expect(await removeIfDead(file)).toBe(false);
    expect(fs.existsSync(file)).toBe(true);
  });

  it('removeIfDead removes only a refused socket, and leaves other files alone', async () => {
    const dir = tmp();
    await deadSocket(path.join(dir, 'dead'));
    expect(await removeIfDead(path.join(dir, 'dead'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'dead'))).toBe(false);
    expect(await removeIfDead(path.join(dir, 'absent'))).toBe(false);
  });

  it('two shims racing for one socket: exactly one listens, the other finds it busy', async () => {
    const file = path.join(tmp(), 'sock');
    await deadSocket(file);
    const a = new TtrpcServer();
    const b = new TtrpcServer();
    servers.push(a, b);
    const results = await Promise.all([listenExclusive(a, file), listenExclusive(b, file)]);
    expect(results.sort()).toEqual(['busy', 'listening']);
    expect(await probeSocket(file)).toBe('live');
  });
});

describe('shim grouping', () => {
  it('by pod annotation, else by namespace; opt-outs per RUNJ_SHIM_GROUP', () => {
    const pod = { [SANDBOX_ANNOTATION]: 'sb1' };
    expect(groupOf('c1', 'k8s', pod, 'namespace')).toBe('sb1');
    expect(groupOf('c1', 'ns', {}, 'namespace')).toBe('runj:namespace:ns');
    expect(groupOf('c2', 'ns', {}, 'namespace')).toBe(groupOf('c1', 'ns', {}, 'namespace'));
    expect(groupOf('c1', 'ns', pod, 'pod')).toBe('sb1');
    expect(groupOf('c1', 'ns', {}, 'pod')).toBe('c1');
    expect(groupOf('c1', 'ns', pod, 'container')).toBe('c1');
    expect(groupMode({})).toBe('namespace');
    expect(groupMode({ [GROUP_ENV]: 'container' })).toBe('container');
    expect(() => groupMode({ [GROUP_ENV]: 'host' })).toThrow(/RUNJ_SHIM_GROUP=host: expected one of namespace, pod, container/);
  });

  it('reads the annotations from the bundle config.json, none when it is missing or not JSON', () => {
    const bundle = tmp();
    expect(bundleAnnotations(bundle)).toEqual({});
    fs.writeFileSync(path.join(bundle, 'config.json'), '{not json');
    expect(bundleAnnotations(bundle)).toEqual({});
    fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify({ annotations: { [SANDBOX_ANNOTATION]: 'p' } }));
    expect(bundleAnnotations(bundle)).toEqual({ [SANDBOX_ANNOTATION]: 'p' });
  });
});

describe('shared shim life', () => {
  it('exits on Shutdown only when no container is served and no start has just joined', () => {
    vi.useFakeTimers();
    try {
      let tasks = 2;
      const exit = vi.fn();
      const life = new ShimLife(() => tasks, exit, 1000);
      life.shutdown(false);
      expect(exit).not.toHaveBeenCalled();
      tasks = 0;
      expect(life.join('c3')).toBe(true);
      life.shutdown(false);
      expect(exit).not.toHaveBeenCalled();
      tasks = 1;
      life.created('c3'); // c3 now served
      expect(exit).not.toHaveBeenCalled();
      tasks = 0;
      life.shutdown(false);
      expect(exit).toHaveBeenCalledTimes(1);
      expect(life.join('c4')).toBe(false); // leaving: that start must spawn a new shim
    } finally {
      vi.useRealTimers();
    }
  });

  it('a join whose Create never comes lapses; Shutdown{now} does not wait', () => {
    vi.useFakeTimers();
    try {
      const exit = vi.fn();
      const life = new ShimLife(() => 0, exit, 1000);
      life.join('c1');
      life.shutdown(false);
      vi.advanceTimersByTime(999);
      expect(exit).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      expect(exit).toHaveBeenCalledTimes(1);
      const now = vi.fn();
      const busy = new ShimLife(() => 3, now, 1000);
      busy.shutdown(true);
      expect(now).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('lingers idle before it exits: a start in that time joins it, and the idle wait begins again after', () => {
    vi.useFakeTimers();
    try {
      let tasks = 0;
      const exit = vi.fn();
      const life = new ShimLife(() => tasks, exit, 1000, 5000);
      life.shutdown(false);
      vi.advanceTimersByTime(4999);
      expect(exit).not.toHaveBeenCalled();
      expect(life.join('c2')).toBe(true); // the next `ctr run` finds this shim
      tasks = 1;
      life.created('c2');
      vi.advanceTimersByTime(10_000);
      expect(exit).not.toHaveBeenCalled(); // serving c2
      tasks = 0;
      life.shutdown(false);
      vi.advanceTimersByTime(4999);
      expect(exit).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      expect(exit).toHaveBeenCalledTimes(1);
      expect(life.join('c3')).toBe(false);
      const now = vi.fn();
      new ShimLife(() => 0, now, 1000, 5000).shutdown(true); // Shutdown{now} does not linger
      expect(now).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('RUNJ_SHIM_LINGER: seconds idle, 0 for none, anything else refused by name', () => {
    expect(lingerMs({})).toBe(10_000);
    expect(lingerMs({ RUNJ_SHIM_LINGER: '0' })).toBe(0);
    expect(lingerMs({ RUNJ_SHIM_LINGER: '2.5' })).toBe(2500);
    expect(lingerMs({ RUNJ_SHIM_LINGER: '' })).toBe(10_000); // set empty: as unset
    for (const bad of ['-1', 'ten', '1e9', '86401']) expect(() => lingerMs({ RUNJ_SHIM_LINGER: bad })).toThrow(`RUNJ_SHIM_LINGER=${bad}`);
  });
});
