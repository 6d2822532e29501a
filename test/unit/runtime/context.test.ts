import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/log.js';
import { systemClock } from '../../../src/core/time.js';
import { emptyPolicy } from '../../../src/plan/policy.js';
import { loadSandbox } from '../../../src/runtime/backends.js';
import { DEFAULT_ROOT, createContext } from '../../../src/runtime/context.js';

const savedPolicy = process.env.RUNJ_POLICY;
const savedHelper = process.env.RUNJ_HELPER;
afterEach(() => {
  if (savedPolicy === undefined) delete process.env.RUNJ_POLICY;
  else process.env.RUNJ_POLICY = savedPolicy;
  if (savedHelper === undefined) delete process.env.RUNJ_HELPER;
  else process.env.RUNJ_HELPER = savedHelper;
});
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'runj-ctx-'));

describe('createContext: the real defaults', () => {
  it('host platform, default root, 30 s lock wait, silent log, system clock, real hooks and backends', async () => {
    const ctx = await createContext();
    expect(ctx.platform).toBe(process.platform);
    expect(ctx.store.root).toBe(DEFAULT_ROOT);
    expect(ctx.lockTimeoutMs).toBe(30_000);
    expect(ctx.systemdCgroup).toBe(false);
    expect(ctx.log).toBe(silentLogger);
    expect(ctx.clock).toBe(systemClock);
    expect(ctx.backend).toBe(loadSandbox);
  });
  it('the default hook runner runs the hook process (loaded on first use)', async () => {
    const ctx = await createContext();
    await expect(ctx.runHook('prestart', { path: '/bin/true' }, '{}')).resolves.toBeUndefined();
    await expect(ctx.runHook('prestart', { path: '/bin/false' }, '{}')).rejects.toMatchObject({ code: 'EHOOK', message: 'prestart hook /bin/false: exit status 1' });
  });
  it("the platform's process lookup: this process is alive, not a zombie", async () => {
    const ctx = await createContext();
    const me = ctx.processInfo(process.pid);
    expect(me?.zombie).toBe(false);
    expect(me?.startTime).toEqual(ctx.processInfo(process.pid)?.startTime);
    expect(ctx.processInfo(2 ** 22 + 1)).toBeUndefined(); // above pid_max's ceiling
  });
  it('signal is kill(2): signal 0 to itself works, a missing pid throws ESRCH', async () => {
    const ctx = await createContext();
    expect(() => ctx.signal(process.pid, 0)).not.toThrow();
    expect(() => ctx.signal(2 ** 22 + 1, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  });
  it('releaseFifo is the real exec.fifo reader', async () => {
    const ctx = await createContext();
    expect(() => ctx.releaseFifo(path.join(tmp(), 'exec.fifo'), () => true)).toThrow(
      expect.objectContaining({ code: 'EBADSTATE', message: 'cannot start an already running container' }),
    );
  });
  it('spawnHelper starts $RUNJ_HELPER with the sync fd after the preserved ones', async () => {
    const dir = tmp();
    const file = path.join(dir, 'helper.sh');
    fs.writeFileSync(file, `#!/bin/sh\necho "{\\"type\\":\\"pid\\",\\"pid\\":$1}" >&$1\n`, { mode: 0o755 });
    process.env.RUNJ_HELPER = file;
    const ctx = await createContext();
    const h = await ctx.spawnHelper(0);
    expect(await h.next()).toEqual({ type: 'pid', pid: 3 });
    expect(await h.exited()).toEqual({ code: 0, signal: null });
  });
  it('the host policy is read lazily, once', async () => {
    const file = path.join(tmp(), 'policy.json');
    fs.writeFileSync(file, '{ not json');
    process.env.RUNJ_POLICY = file;
    const ctx = await createContext(); // a broken policy does not stop operations that never need it
    expect(() => ctx.policy()).toThrow(expect.objectContaining({ code: 'ECONFIG' })); // a failed read is not cached
    fs.writeFileSync(file, JSON.stringify({ ignore: ['linux.seccomp'] }));
    const first = ctx.policy();
    expect([...first.ignore]).toEqual(['linux.seccomp']);
    expect(first.file).toBe(file);
    fs.writeFileSync(file, JSON.stringify({ ignore: [] }));
    expect(ctx.policy()).toBe(first);
    expect((await createContext()).policy().ignore.size).toBe(0); // a new context reads it again
  });
  it('a missing policy file is the empty policy', async () => {
    process.env.RUNJ_POLICY = path.join(tmp(), 'none.json');
    const p = (await createContext()).policy();
    expect(p.ignore).toEqual(emptyPolicy.ignore);
    expect(p.file).toBe(process.env.RUNJ_POLICY);
  });
  it('options replace the defaults', async () => {
    const root = tmp();
    const processInfo = () => undefined;
    const ctx = await createContext({ root, platform: 'plan9', processInfo, lockTimeoutMs: 5, systemdCgroup: true });
    expect(ctx.store.root).toBe(root);
    expect(ctx.platform).toBe('plan9');
    expect(ctx.processInfo).toBe(processInfo);
    expect(ctx.lockTimeoutMs).toBe(5);
    expect(ctx.systemdCgroup).toBe(true);
  });
  it('a platform with no process lookup and none given: refused', async () => {
    await expect(createContext({ platform: 'plan9' })).rejects.toThrow('no process information for platform plan9');
  });
});
