// Bad input and limits: the bounded file reader, hook timeouts that hold
// when a hook's child keeps its output open, the helper message cap, the
// log file, preserved fds and signal 0.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RuntimeError } from '../../src/core/errors.js';
import { Helper } from '../../src/runtime/helper.js';
import { runHook } from '../../src/runtime/hooks.js';
import { createLogger } from '../../src/core/log.js';
import { checkPreservedFds } from '../../src/runtime/preservedFds.js';
import { CONFIG_MAX, HELPER_MESSAGE_MAX, readLimited } from '../../src/core/readLimited.js';
import { parseSignal } from '../../src/runtime/signals.js';
import { oomMessage } from '../../src/platform/linux/cgroupOom.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-limits-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Live processes whose command line is exactly `argv` (joined by NULs). */
function processesRunning(argv: string[]): number[] {
  const want = `${argv.join('\0')}\0`;
  return fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number).filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8') === want && !/\) [ZX] /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  });
}

let seconds = 30000 + (process.pid % 10000) * 3;
/** A `sleep` command line no other process on the machine runs. */
const uniqueSleep = () => ['sleep', String(++seconds)];

/** Runs `fn`, returns its outcome and how long it took. */
async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  const t0 = Date.now();
  try {
    const value = await fn();
    return { ms: Date.now() - t0, value };
  } catch (error) {
    return { ms: Date.now() - t0, error };
  }
}

describe('readLimited', () => {
  it('reads a regular file within the cap', () => {
    const f = path.join(tmp, 'ok.json');
    fs.writeFileSync(f, '{"a":1}');
    expect(readLimited(f, 100, 'test file')).toBe('{"a":1}');
  });

  it('refuses a file over the cap, naming the file and the cap', () => {
    const f = path.join(tmp, 'big.json');
    fs.writeFileSync(f, 'x'.repeat(101));
    expect(() => readLimited(f, 100, 'test file')).toThrow(`${f}: larger than runj's limit for a test file (100 bytes)`);
    fs.writeFileSync(f, 'x'.repeat(100));
    expect(readLimited(f, 100, 'test file')).toHaveLength(100);
  });

  it('reads a file whole whatever its size and however fstat reports it: more than one 64 KiB chunk, or size 0 (/proc)', () => {
    const f = path.join(tmp, 'large.json');
    const text = `"${'é'.repeat(70_000)}x"`; // 140 kB of two-byte characters: chunk ends fall inside them
    fs.writeFileSync(f, text);
    expect(readLimited(f, CONFIG_MAX, 'test file')).toBe(text);
    expect(() => readLimited(f, 140_002, 'test file')).toThrow("larger than runj's limit");
    if (process.platform === 'linux') {
      // A regular file whose fstat size is 0 and whose read is not.
      expect(readLimited('/proc/self/status', CONFIG_MAX, 'test file')).toMatch(/^Name:[\s\S]*\nPid:\s+\d+/);
    }
  });

  it('refuses a symlink to /dev/zero at once', () => {
    const f = path.join(tmp, 'zero.json');
    fs.symlinkSync('/dev/zero', f);
    expect(() => readLimited(f, CONFIG_MAX, 'config.json')).toThrow(`${f}: not a regular file (a character device)`);
  });

  it('refuses a FIFO nobody writes without blocking', () => {
    const f = path.join(tmp, 'fifo.json');
    expect(spawnSync('mkfifo', [f]).status).toBe(0);
    const t0 = Date.now();
    expect(() => readLimited(f, CONFIG_MAX, 'config.json')).toThrow(`${f}: not a regular file (a FIFO)`);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('refuses a directory and passes ENOENT through for the caller to word', () => {
    expect(() => readLimited(tmp, 100, 'test file')).toThrow(`${tmp}: not a regular file (a directory)`);
    expect(() => readLimited(path.join(tmp, 'missing'), 100, 'test file')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  it('a read error is a RuntimeError with the code the caller chose', () => {
    try {
      readLimited(tmp, 100, 'test file', 'EBUNDLE');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(RuntimeError);
      expect((err as RuntimeError).code).toBe('EBUNDLE');
    }
  });
});

describe('host hooks', () => {
  const state = JSON.stringify({ id: 'x' });

  it('a timeout holds when the hook leaves a child holding its output, and kills that child', async () => {
    const s = uniqueSleep();
    const hook = { path: '/bin/sh', args: ['sh', '-c', `${s.join(' ')} & ${s.join(' ')}`], timeout: 1 };
    const r = await timed(() => runHook('prestart', hook, state));
    expect(r.ms).toBeLessThan(5000);
    expect((r.error as Error)?.message).toMatch(/^prestart hook \/bin\/sh: timed out after 1s/);
    expect(processesRunning(s)).toEqual([]);
  }, 20_000);

  it('a hook that succeeds but leaves a child holding its output does not block, and its child goes', async () => {
    const s = uniqueSleep();
    const hook = { path: '/bin/sh', args: ['sh', '-c', `${s.join(' ')} & echo started`] };
    const r = await timed(() => runHook('poststart', hook, state));
    expect(r.error).toBeUndefined();
    expect(r.ms).toBeLessThan(5000);
    expect(processesRunning(s)).toEqual([]);
  }, 20_000);

  it('a failing hook still reports its output, kept bounded', async () => {
    const hook = { path: '/bin/sh', args: ['sh', '-c', 'head -c 100000 /dev/zero | tr "\\0" y; echo; exit 3'] };
    const r = await timed(() => runHook('prestart', hook, state));
    const msg = (r.error as Error).message;
    expect(msg).toMatch(/^prestart hook \/bin\/sh: exit status 3: y+$/);
    expect(msg.length).toBeLessThan(4096 + 100);
  });
});

describe('helper messages', () => {
  const saved = process.env.RUNJ_HELPER;
  afterEach(() => {
    if (saved === undefined) delete process.env.RUNJ_HELPER;
    else process.env.RUNJ_HELPER = saved;
  });

  it('a line longer than the cap is a protocol error, not an unbounded buffer', async () => {
    const fake = path.join(tmp, 'fake-helper');
    fs.writeFileSync(fake, `#!/bin/sh\nhead -c ${HELPER_MESSAGE_MAX + 10} /dev/zero | tr '\\0' x >&$1\nexec sleep 5\n`, { mode: 0o755 });
    process.env.RUNJ_HELPER = fake;
    const helper = Helper.spawn(0);
    try {
      const m = await helper.next();
      expect(m).toMatchObject({ type: 'error', stage: 'protocol' });
      expect((m as { msg: string }).msg).toBe(`helper message longer than ${HELPER_MESSAGE_MAX} bytes`);
    } finally {
      helper.child.kill('SIGKILL');
      await helper.exited();
      helper.detach();
    }
  });
});

describe('bad global and command input', () => {
  it('--log naming a missing directory fails at once, naming the file', () => {
    const file = path.join(tmp, 'no-such-dir', 'runj.log');
    expect(() => createLogger({ file })).toThrow(`--log ${file}: cannot open: ENOENT`);
  });

  it('--log on a writable path opens (creates) the file', () => {
    const file = path.join(tmp, 'runj.log');
    createLogger({ file });
    expect(fs.existsSync(file)).toBe(true);
  });

  it('--preserve-fds names the first fd that is not open', () => {
    const free: number[] = [];
    for (let fd = 3; free.length === 0 && fd < 100000; fd++) {
      try {
        fs.fstatSync(fd);
      } catch {
        free.push(fd);
      }
    }
    const n = free[0] as number; // fds 3..n-1 are open, n is not
    expect(() => checkPreservedFds(n - 3)).not.toThrow();
    expect(() => checkPreservedFds(n - 2)).toThrow(`--preserve-fds ${n - 2}: fd ${n} is not open`);
  });

  it('signal 0 is accepted (a liveness probe, as with kill(2))', () => {
    expect(parseSignal('0')).toBe(0);
  });
});

describe('an init the memory cgroup killed', () => {
  it('names the field and the limit when the cgroup counted an OOM kill', () => {
    const v1 = 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n';
    expect(oomMessage(v1, '4096\n')).toBe("container init was OOM-killed: linux.resources.memory.limit is too low (the cgroup's limit: 4096 bytes)");
    const v2 = 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n';
    expect(oomMessage(v2, '8192\n')).toBe("container init was OOM-killed: linux.resources.memory.limit is too low (the cgroup's limit: 8192 bytes)");
    expect(oomMessage(v2, 'max\n')).toBe('container init was OOM-killed');
    expect(oomMessage(v1, '9223372036854771712\n')).toBe('container init was OOM-killed');
  });

  it('says nothing when no OOM kill was counted', () => {
    expect(oomMessage('oom_kill_disable 0\nunder_oom 0\noom_kill 0\n', '4096')).toBeUndefined();
    expect(oomMessage('low 0\nmax 0\noom 0\noom_group_kill 0\n', '4096')).toBeUndefined();
  });
});
