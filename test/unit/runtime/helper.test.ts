import { spawn as spawnAsync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeRecords } from '../../../src/backend/protocol.js';
import { HELPER_MESSAGE_MAX } from '../../../src/core/readLimited.js';
import { Helper, type HelperChannel, type HelperEvent } from '../../../src/runtime/helper.js';
import { DirectHelper } from '../../../src/runtime/helperDirect.js';

// Signals 1-31 in a /proc SigIgn or SigBlk mask. Real-time signals are left out: an ignored
// one is inherited from whatever started the tests (CI's environment ignores 32), glibc
// reserves 32 and 33 for itself, and libuv's child_process resets only 1-31.
const CLASSIC = 0x7fffffffn;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-helper-'));
let n = 0;
/** A fake runj-helper: an sh script whose $1 is the sync fd, as the real helper's argv[1]. */
function fakeHelper(body: string, mode = 0o755): string {
  const file = path.join(dir, `helper${n++}.sh`);
  fs.writeFileSync(file, `#!/bin/sh\nfd=$1\n${body}\n`, { mode });
  return file;
}

const saved = process.env.RUNJ_HELPER;
const spawned: HelperChannel[] = [];
// Both channels speak the same protocol: Helper (child_process, for callers that wait for the
// exit) and DirectHelper (runj's addon, blocking reads: create, exec --detach).
const IMPLS: [string, (preserveFds: number) => HelperChannel][] = [
  ['Helper', (n) => Helper.spawn(n)],
  ['DirectHelper', (n) => DirectHelper.spawn(n)],
];
let spawnImpl: (preserveFds: number) => HelperChannel = IMPLS[0]?.[1] as (n: number) => HelperChannel;
function spawnWith(file: string, preserveFds = 0): HelperChannel {
  process.env.RUNJ_HELPER = file;
  const h = spawnImpl(preserveFds);
  spawned.push(h);
  return h;
}
beforeEach(() => {
  spawned.length = 0;
});
afterEach(async () => {
  if (saved === undefined) delete process.env.RUNJ_HELPER;
  else process.env.RUNJ_HELPER = saved;
  for (const h of spawned) {
    h.kill();
    // Reaped here: no zombie outlives the test (Helper's child_process reaps its own).
    if (h instanceof DirectHelper) await h.exited();
  }
});

async function drain(h: HelperChannel): Promise<HelperEvent[]> {
  const out: HelperEvent[] = [];
  for (;;) {
    const e = await h.next();
    out.push(e);
    if (e.type === 'eof') return out;
  }
}

describe.each(IMPLS)('%s: the protocol with a (fake) helper process', (_name, spawnFn) => {
  beforeEach(() => {
    spawnImpl = spawnFn;
  });
  it('pid, hooks, ready, then end of file; exit status 0', async () => {
    const h = spawnWith(fakeHelper(`printf '{"type":"pid","pid":42}\\n{"type":"hooks"}\\n\\n' >&$fd; echo '{"type":"ready"}' >&$fd`));
    expect(await drain(h)).toEqual([{ type: 'pid', pid: 42 }, { type: 'hooks' }, { type: 'ready' }, { type: 'eof' }]);
    expect(await h.next()).toEqual({ type: 'eof' }); // stays at the end
    expect(await h.exited()).toEqual({ code: 0, signal: null });
  });
  it('a message split across writes is put together', async () => {
    const h = spawnWith(fakeHelper(`printf '{"type":"p' >&$fd; sleep 0.1; printf 'id","pid":7}\\n' >&$fd`));
    expect(await drain(h)).toEqual([{ type: 'pid', pid: 7 }, { type: 'eof' }]);
  });
  it('a character split across writes (UTF-8 bytes of "é" in two writes) arrives whole', async () => {
    const h = spawnWith(fakeHelper(`printf '{"type":"error","stage":"exec","msg":"caf\\303' >&$fd; sleep 0.1; printf '\\251 x","errno":2}\\n' >&$fd`));
    expect(await drain(h)).toEqual([{ type: 'error', stage: 'exec', msg: 'café x', errno: 2 }, { type: 'eof' }]);
  });
  it('send: the records arrive encoded, one per line', async () => {
    const out = path.join(dir, 'got');
    const h = spawnWith(fakeHelper(`read -r a <&$fd; read -r b <&$fd; printf '%s\\n%s\\n' "$a" "$b" > ${out}; echo '{"type":"ready"}' >&$fd`));
    const records = [['arg', 'a b%c'], ['end']] as const;
    h.send(records);
    expect(await h.next()).toEqual({ type: 'ready' });
    expect(fs.readFileSync(out, 'utf8')).toBe(encodeRecords(records));
    expect(fs.readFileSync(out, 'utf8')).toBe('arg a%20b%25c\nend\n');
  });
  it('an error line: passed on as it is; the exit status after', async () => {
    const h = spawnWith(fakeHelper(`echo '{"type":"error","stage":"exec","msg":"execve: ENOENT","errno":2}' >&$fd; exit 3`));
    expect(await drain(h)).toEqual([{ type: 'error', stage: 'exec', msg: 'execve: ENOENT', errno: 2 }, { type: 'eof' }]);
    expect(await h.exited()).toEqual({ code: 3, signal: null });
    expect(await h.exited()).toEqual({ code: 3, signal: null }); // already exited: at once
  });
  it('garbage and non-object lines: protocol errors quoting them', async () => {
    const h = spawnWith(fakeHelper(`echo 'not json' >&$fd; echo '42' >&$fd; echo '{"pid":1}' >&$fd`));
    expect(await drain(h)).toEqual([
      { type: 'error', stage: 'protocol', msg: 'unreadable helper message: not json', errno: 0 },
      { type: 'error', stage: 'protocol', msg: 'unreadable helper message: 42', errno: 0 },
      { type: 'error', stage: 'protocol', msg: 'unreadable helper message: {"pid":1}', errno: 0 },
      { type: 'eof' },
    ]);
  });
  it(`a line longer than ${HELPER_MESSAGE_MAX} bytes: one protocol error, the rest ignored`, async () => {
    const h = spawnWith(fakeHelper(`head -c ${HELPER_MESSAGE_MAX + 10000} /dev/zero | tr '\\0' a >&$fd; echo '{"type":"ready"}' >&$fd`));
    expect(await drain(h)).toEqual([
      { type: 'error', stage: 'protocol', msg: `helper message longer than ${HELPER_MESSAGE_MAX} bytes`, errno: 0 },
      { type: 'eof' },
    ]);
  });
  it('kill: SIGKILL, then end of file', async () => {
    const h = spawnWith(fakeHelper(`echo '{"type":"pid","pid":1}' >&$fd; exec sleep 30`));
    expect(await h.next()).toEqual({ type: 'pid', pid: 1 });
    h.kill();
    expect(await h.exited()).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await h.next()).toEqual({ type: 'eof' });
  });
  it('detach: the channel ends (eof) and the helper lives on', async () => {
    const h = spawnWith(fakeHelper(`echo "{\\"type\\":\\"pid\\",\\"pid\\":$$}" >&$fd; exec sleep 30`));
    expect(await h.next()).toEqual({ type: 'pid', pid: h.pid });
    h.detach();
    expect(await h.next()).toEqual({ type: 'eof' });
    expect(h.pid).toBeGreaterThan(0);
    expect(() => process.kill(h.pid ?? 0, 0)).not.toThrow();
  });
  it('preserve-fds: fds 3..3+N-1 are passed and the sync fd follows them', async () => {
    const opened = [fs.openSync('/dev/null', 'r'), fs.openSync('/dev/null', 'r')];
    try {
      const h = spawnWith(fakeHelper(`[ -e /proc/self/fd/3 ] && [ -e /proc/self/fd/4 ] && echo "{\\"type\\":\\"pid\\",\\"pid\\":$fd}" >&$fd`), 2);
      expect(await drain(h)).toEqual([{ type: 'pid', pid: 5 }, { type: 'eof' }]);
    } finally {
      for (const fd of opened) fs.closeSync(fd);
    }
  });
  it('a helper that cannot be started (not executable): an error at stage spawn, then end of file', async () => {
    const h = spawnWith(fakeHelper('exit 0', 0o644));
    const first = await h.next();
    expect(first).toMatchObject({ type: 'error', stage: 'spawn', errno: 0 });
    expect((first as { msg: string }).msg).toMatch(/^start runj-helper: .*EACCES/);
    expect(await h.next()).toEqual({ type: 'eof' });
  });
  it('a helper path that does not exist: an error at stage spawn', async () => {
    const h = spawnWith(path.join(dir, 'missing-helper'));
    const first = await h.next();
    expect(first).toMatchObject({ type: 'error', stage: 'spawn' });
    expect((first as { msg: string }).msg).toMatch(/ENOENT/);
  });
  it('exited(true): the signals runj gets while it waits go to the helper, and no longer after', async () => {
    const ready = path.join(dir, `trapped${n}`);
    const h = spawnWith(fakeHelper(`trap 'exit 9' USR2; trap '' WINCH; : > ${ready}; while :; do sleep 0.02; done`));
    for (let i = 0; i < 200 && !fs.existsSync(ready); i++) await new Promise((r) => setTimeout(r, 10));
    const listeners = process.listenerCount('SIGUSR2');
    // From another process: DirectHelper's wait blocks this one.
    spawnAsync('/bin/sh', ['-c', `sleep 0.1; kill -WINCH ${process.pid}; sleep 0.1; kill -USR2 ${process.pid}`], { stdio: 'ignore' });
    expect(await h.exited(true)).toEqual({ code: 9, signal: null });
    expect(process.listenerCount('SIGUSR2')).toBe(listeners);
  });
  it('the helper starts in a session of its own, every signal at its default action and none blocked', async () => {
    // /proc/self/stat field 6 is the session; SigIgn and SigBlk are hex masks (Node ignores SIGPIPE itself).
    const h = spawnWith(
      fakeHelper(
        `sid=$(cut -d' ' -f6 /proc/$$/stat); ign=$(awk '/^SigIgn/{print $2}' /proc/$$/status); blk=$(awk '/^SigBlk/{print $2}' /proc/$$/status)\n` +
          `echo "{\\"type\\":\\"error\\",\\"stage\\":\\"probe\\",\\"msg\\":\\"$$ $sid $ign $blk\\",\\"errno\\":0}" >&$fd`,
      ),
    );
    const m = (await h.next()) as { msg: string };
    const [pid, sid, ign, blk] = m.msg.split(' ');
    expect(sid).toBe(pid);
    expect(BigInt(`0x${ign}`) & CLASSIC).toBe(0n);
    expect(BigInt(`0x${blk}`) & CLASSIC).toBe(0n);
    expect(Number(pid)).toBe(h.pid);
    expect(await h.exited()).toEqual({ code: 0, signal: null });
  });
});

describe('DirectHelper', () => {
  const zombieOrGone = (pid: number) => {
    try {
      return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] === 'Z';
    } catch {
      return 'gone';
    }
  };

  it('detach reaps a helper that forked the container and exited: no zombie is left', async () => {
    process.env.RUNJ_HELPER = fakeHelper(`sleep 30 & echo "{\\"type\\":\\"pid\\",\\"pid\\":$!}" >&$fd; exit 0`);
    const h = DirectHelper.spawn(0);
    const m = (await h.next()) as { type: string; pid: number };
    expect(m.type).toBe('pid');
    expect(m.pid).not.toBe(h.pid);
    h.detach();
    expect(zombieOrGone(h.pid ?? 0)).toBe('gone');
    process.kill(m.pid, 'SIGKILL');
  });

  it('detach does not wait for a helper that is the container itself', async () => {
    process.env.RUNJ_HELPER = fakeHelper(`echo "{\\"type\\":\\"pid\\",\\"pid\\":$$}" >&$fd; exec sleep 30`);
    const h = DirectHelper.spawn(0);
    spawned.push(h);
    expect(await h.next()).toEqual({ type: 'pid', pid: h.pid });
    const t0 = Date.now();
    h.detach();
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(zombieOrGone(h.pid ?? 0)).toBe(false);
  });

  it('exited reaps the helper once; a second call answers from memory', async () => {
    process.env.RUNJ_HELPER = fakeHelper('exit 5');
    const h = DirectHelper.spawn(0);
    expect(await h.exited()).toEqual({ code: 5, signal: null });
    expect(await h.exited()).toEqual({ code: 5, signal: null });
    expect(() => process.kill(h.pid ?? 0, 0)).toThrow(/ESRCH/);
  });

  it('send to a helper that has gone does not throw: the channel ends', async () => {
    process.env.RUNJ_HELPER = fakeHelper('exit 0');
    const h = DirectHelper.spawn(0);
    await h.exited();
    expect(() => h.send([['continue']])).not.toThrow();
    expect(await h.next()).toEqual({ type: 'eof' });
  });
});
