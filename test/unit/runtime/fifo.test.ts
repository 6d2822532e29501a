import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { releaseExecFifo } from '../../../src/runtime/fifo.js';

const writers: ChildProcess[] = [];
afterEach(() => {
  for (const w of writers.splice(0)) w.kill('SIGKILL');
});

/** A real exec.fifo in a fresh directory. */
function fifo(): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'runj-fifo-')), 'exec.fifo');
  execFileSync('mkfifo', [file]);
  return file;
}

/** The helper's side: a process that opens the fifo for writing (blocking until start opens it) and runs `script` into it. */
function writer(file: string, script: string): ChildProcess {
  const w = spawn('/bin/sh', ['-c', `{ ${script} ; } > "$1"`, 'writer', file], { stdio: 'ignore' });
  writers.push(w);
  return w;
}

/** One of this thread's counters in /proc/thread-self (Linux). */
const threadCount = (file: 'status' | 'io', field: string) => () =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(fs.readFileSync(`/proc/thread-self/${file}`, 'utf8'))?.[1]);
/** Each sleep of this thread is a voluntary switch. */
const switches = threadCount('status', 'voluntary_ctxt_switches');
const reads = threadCount('io', 'syscr');

describe('releaseExecFifo with a real FIFO and writer', () => {
  it("the byte then end of file (the init exec'd): no error, and no look at the init's life on the way", () => {
    const f = fifo();
    writer(f, 'printf 0');
    let looked = 0;
    expect(releaseExecFifo(f, () => ++looked > 0)).toEqual({ error: undefined });
    expect(looked).toBeLessThanOrEqual(1); // at most after one wait for the writer to come
  });
  it('the byte then a JSON error line: that error', () => {
    const f = fifo();
    writer(f, `printf '0{"msg":"exec /bin/nope: ENOENT","stage":"exec"}\\n{"msg":"second"}\\n'`);
    expect(releaseExecFifo(f, () => true)).toEqual({ error: { msg: 'exec /bin/nope: ENOENT', stage: 'exec' } });
  });
  it('the byte, a pause, then the error: read after the writer was silent (EAGAIN)', () => {
    const f = fifo();
    writer(f, `printf 0; sleep 0.3; printf '{"msg":"startContainer hook failed","stage":"startContainer"}\\n'`);
    expect(releaseExecFifo(f, () => true)).toEqual({ error: { msg: 'startContainer hook failed', stage: 'startContainer' } });
  });
  it.skipIf(process.platform !== 'linux')('sleeps while the helper is slow: a handful of wake-ups, not a poll every 50 us', () => {
    // The helper's byte after 0.3 s, its exec (the fifo closed) 0.3 s later, as a slow
    // startContainer hook would hold it. Each sleep of this thread is a voluntary switch.
    const f = fifo();
    writer(f, 'sleep 0.3; printf 0; sleep 0.3');
    const before = switches();
    expect(releaseExecFifo(f, () => true)).toEqual({ error: undefined });
    // Before the byte: timeouts of 1, 2, 4, 8, then 10 ms to check the helper's life (~35);
    // after it, one wake-up at the close. Polling every 50 us was hundreds.
    expect(switches() - before).toBeLessThan(60);
  });
  it.skipIf(process.platform !== 'linux')('reads only what poll says is there: no read finds the fifo empty (EAGAIN, an exception in Node)', () => {
    // This thread's read(2) calls, less those of a look at the counter.
    const f = fifo();
    writer(f, 'sleep 0.1; printf 0; sleep 0.1');
    const before = reads();
    expect(releaseExecFifo(f, () => true)).toEqual({ error: undefined });
    const after = reads();
    const look = reads() - after; // the reads one look at the counter takes
    // The byte, then end of file: two reads (three, when the byte came in two reads' time).
    expect(after - before - look).toBeLessThanOrEqual(3);
  });
  it.skipIf(process.platform !== 'linux')('a writer that opened and closed before the byte (the fifo hung up): backs off, no spin', () => {
    // Anyone who can reach the fifo (mode 0622) can open and close it; the helper's byte comes 0.5 s later.
    const f = fifo();
    writer(f, 'true');
    const late = spawn('/bin/sh', ['-c', 'sleep 0.5; printf 0 > "$1"', 'late', f], { stdio: 'ignore' });
    writers.push(late);
    let alive = 0;
    const before = switches();
    expect(releaseExecFifo(f, () => ++alive > 0)).toEqual({ error: undefined });
    expect(switches() - before).toBeLessThan(150);
    expect(alive).toBeLessThan(150);
  });
  it('the byte then garbage: the text as the message, capped at 500 characters', () => {
    const f = fifo();
    writer(f, 'printf 0; printf "not json %0600d" 0');
    const r = releaseExecFifo(f, () => true);
    expect(r.error?.msg).toBe(`not json ${'0'.repeat(600)}`.slice(0, 500));
    expect(r.error?.stage).toBeUndefined();
  });
  it('no fifo (start already ran): EBADSTATE "cannot start an already running container"', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-fifo-'));
    expect(() => releaseExecFifo(path.join(dir, 'exec.fifo'), () => true)).toThrow(
      expect.objectContaining({ code: 'EBADSTATE', message: 'cannot start an already running container' }),
    );
  });
  it('the writer never comes and the init is gone: EHELPER "container init exited before start"', () => {
    const f = fifo();
    let asked = 0;
    expect(() =>
      releaseExecFifo(f, () => {
        asked++;
        return false;
      }),
    ).toThrow(expect.objectContaining({ code: 'EHELPER', message: 'container init exited before start' }));
    expect(asked).toBe(1);
  });
  it('the writer never comes and the init lives: EHELPER after timeoutMs', () => {
    const f = fifo();
    const t0 = Date.now();
    expect(() => releaseExecFifo(f, () => true, 50)).toThrow(
      expect.objectContaining({ code: 'EHELPER', message: 'timed out waiting for the container init' }),
    );
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(50);
    expect(took).toBeLessThan(2000);
  });
  it('a writer that opens and closes without the byte, then the init dies: EHELPER', () => {
    const f = fifo();
    const w = writer(f, 'true');
    // start blocks the event loop: the writer's end is seen in /proc (a zombie until reaped), as the real liveness does.
    expect(() => releaseExecFifo(f, () => !isZombie(w.pid ?? 0), 5000)).toThrow(
      'container init exited before start',
    );
  });
  it('a path under a file (ENOTDIR): ESYSTEM "open exec fifo"', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'runj-fifo-')), 'plain');
    fs.writeFileSync(file, '');
    expect(() => releaseExecFifo(path.join(file, 'exec.fifo'), () => true)).toThrow(
      expect.objectContaining({ code: 'ESYSTEM', message: expect.stringMatching(/^open exec fifo: ENOTDIR/) }),
    );
  });
  it('a directory where the fifo should be: ESYSTEM "read exec fifo" (EISDIR)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-fifo-'));
    expect(() => releaseExecFifo(dir, () => true)).toThrow(
      expect.objectContaining({ code: 'ESYSTEM', message: expect.stringMatching(/^read exec fifo: EISDIR/) }),
    );
  });
});

function isZombie(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').startsWith('Z');
  } catch {
    return true;
  }
}
