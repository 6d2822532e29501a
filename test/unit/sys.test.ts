import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { sys } from '../../src/core/sys.js';

const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;
const EWOULDBLOCK = os.platform() === 'freebsd' ? 35 : 11;
const EBADF = 9;
const EINVAL = 22;

// Signals 1-31 in a /proc SigIgn or SigBlk mask. Real-time signals are left out: an ignored
// one is inherited from whatever started the tests (CI's environment ignores 32), glibc
// reserves 32 and 33 for itself, and libuv's child_process resets only 1-31.
const CLASSIC = 0x7fffffffn;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-sys-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('runj-sys.node', () => {
  it('flock: a lock held through one open file is refused through another, and free again once released', () => {
    const file = path.join(dir, 'lock');
    const a = fs.openSync(file, 'w');
    const b = fs.openSync(file, 'r');
    try {
      expect(sys().flock(a, LOCK_EX | LOCK_NB)).toBe(0);
      // flock locks belong to the open file description: a second open() conflicts even in this process.
      expect(sys().flock(b, LOCK_EX | LOCK_NB)).toBe(-EWOULDBLOCK);
      expect(sys().flock(a, LOCK_UN)).toBe(0);
      expect(sys().flock(b, LOCK_EX | LOCK_NB)).toBe(0);
    } finally {
      fs.closeSync(a);
      fs.closeSync(b);
    }
  });

  it('flock: errors come back as -errno, not exceptions', () => {
    expect(sys().flock(-1, LOCK_EX | LOCK_NB)).toBe(-EBADF);
    const fd = fs.openSync(path.join(dir, 'other'), 'w');
    try {
      expect(sys().flock(fd, 0)).toBe(-EINVAL);
    } finally {
      fs.closeSync(fd);
    }
  });

  it('flock: arguments that are not integers are a TypeError', () => {
    const f = sys().flock as unknown as (...a: unknown[]) => number;
    expect(() => f()).toThrow(TypeError);
    expect(() => f('3', 2)).toThrow(/two integers/);
  });

  it('an addon older than this runj (a function missing) is refused by name when it is loaded, not when the function is first called', async () => {
    // A stale native/ beside a new dist/: run would otherwise fail only after its container started.
    vi.resetModules();
    const key = Symbol.for('runj.sys');
    const fn = () => 0;
    (globalThis as Record<symbol, unknown>)[key] = { flock: fn, socketpair: fn, spawn: fn, waitpid: fn, mapFile: fn, latin1: fn };
    try {
      const fresh = await import('../../src/core/sys.js');
      expect(() => fresh.sys()).toThrow(/runj-sys\.node is older than this runj \(no waitForwarding\).*make -C native/);
    } finally {
      delete (globalThis as Record<symbol, unknown>)[key];
      vi.resetModules();
    }
  });

  it('loads once per process', () => {
    expect(sys()).toBe(sys());
  });

  describe('mapFile, latin1 (the launcher compiles its bundles from these: build/launcher.cjs)', () => {
    const ENOENT = 2;
    it('maps a whole file; writes to the mapping are private, never the file\'s', () => {
      const file = path.join(dir, 'mapped.cjs');
      const text = 'const x = 1;\n'.repeat(1000);
      fs.writeFileSync(file, text);
      const ab = sys().mapFile(file);
      expect(ab).toBeInstanceOf(ArrayBuffer);
      const bytes = Buffer.from(ab as ArrayBuffer);
      expect(bytes.toString('latin1')).toBe(text);
      bytes[0] = 0x2f;
      expect(fs.readFileSync(file, 'latin1')).toBe(text);
      expect(fs.readFileSync('/proc/self/maps', 'utf8')).toContain(file); // a mapping, not a copy
    });
    it('a missing file is -ENOENT; a directory or an empty file -EINVAL; a bad argument a TypeError', () => {
      expect(sys().mapFile(path.join(dir, 'absent'))).toBe(-ENOENT);
      expect(sys().mapFile(dir)).toBe(-EINVAL);
      fs.writeFileSync(path.join(dir, 'empty'), '');
      expect(sys().mapFile(path.join(dir, 'empty'))).toBe(-EINVAL);
      expect(() => (sys().mapFile as unknown as (a?: unknown) => unknown)(7)).toThrow(TypeError);
    });
    it('latin1: the bytes of a range as a one-byte string, every byte value kept', () => {
      const file = path.join(dir, 'bytes');
      const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      fs.writeFileSync(file, Buffer.concat([Buffer.from('head'), all]));
      const ab = sys().mapFile(file) as ArrayBuffer;
      expect(sys().latin1(ab, 0, 4)).toBe('head');
      expect(sys().latin1(ab, 4, 260)).toBe(all.toString('latin1'));
      expect(sys().latin1(ab, 4, 4)).toBe('');
    });
    it('latin1: only over a mapFile buffer; memory V8 owns (a read file\'s, a fresh ArrayBuffer) is a TypeError, not a string over it', () => {
      // A string over a buffer the garbage collector frees would read whatever replaces it.
      const file = path.join(dir, 'owned');
      fs.writeFileSync(file, 'x'.repeat(8192));
      const read = fs.readFileSync(file);
      const f = sys().latin1 as unknown as (...a: unknown[]) => unknown;
      expect(() => f(read.buffer, 0, 8)).toThrow(TypeError);
      expect(() => f(new ArrayBuffer(8), 0, 4)).toThrow(TypeError);
      const mapped = sys().mapFile(file) as ArrayBuffer;
      expect(() => f(mapped.slice(0), 0, 4)).toThrow(TypeError); // a copy is not the mapping
      expect(f(mapped, 0, 4)).toBe('xxxx');
    });
    it('latin1: a range outside the buffer, or no buffer, is a TypeError', () => {
      const ab = new ArrayBuffer(8);
      const f = sys().latin1 as unknown as (...a: unknown[]) => unknown;
      expect(() => f(ab, 0, 9)).toThrow(TypeError);
      expect(() => f(ab, 5, 4)).toThrow(TypeError);
      expect(() => f(ab, -1, 4)).toThrow(TypeError);
      expect(() => f('x', 0, 1)).toThrow(TypeError);
    });
  });

  it("exit: _exit(2) with the status, no 'exit' listener run; a status outside 0-255 a TypeError", () => {
    // A child of its own: exit ends the process it is called in.
    const addon = path.resolve(import.meta.dirname, '../../native/runj-sys.node');
    const script = [
      `const m = { exports: {} }; process.dlopen(m, ${JSON.stringify(addon)});`,
      "process.on('exit', () => require('fs').writeSync(1, 'exit listener ran'));",
      "for (const bad of [-1, 256, 1.5, '3']) { try { m.exports.exit(bad); } catch (e) { if (!(e instanceof TypeError)) throw e; require('fs').writeSync(1, 'T'); } }",
      'm.exports.exit(7);',
    ].join('\n');
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.status).toBe(7);
    expect(r.stdout).toBe('TTTT');
  });

  it("exit: fds 0-2 get back the file status flags they had when the addon loaded (a container that set O_NONBLOCK on a shared file)", () => {
    const addon = path.resolve(import.meta.dirname, '../../native/runj-sys.node');
    const file = path.join(dir, 'shared-out');
    const fd = fs.openSync(file, 'w');
    try {
      // The child's stdout is this fd's open file description; perl (always on Debian) sets and reads its flags.
      const setNonblock = "use Fcntl; fcntl(STDOUT, F_SETFL, fcntl(STDOUT, F_GETFL, 0) | O_NONBLOCK) or die";
      const script = [
        `const m = { exports: {} }; process.dlopen(m, ${JSON.stringify(addon)});`,
        `require('child_process').spawnSync('perl', ['-e', ${JSON.stringify(setNonblock)}], { stdio: ['ignore', 'inherit', 'inherit'] });`,
        'm.exports.exit(0);',
      ].join('\n');
      expect(spawnSync(process.execPath, ['-e', script], { stdio: ['ignore', fd, 'pipe'] }).status).toBe(0);
      const flags = spawnSync('perl', ['-e', 'use Fcntl; open(my $f, ">&=", 3) or die; print((fcntl($f, F_GETFL, 0) & O_NONBLOCK) ? "nonblocking" : "blocking")'], {
        stdio: ['ignore', 'pipe', 'pipe', fd],
        encoding: 'utf8',
      });
      expect(flags.stdout).toBe('blocking');
    } finally {
      fs.closeSync(fd);
    }
  });

  it('poll: 0 after the timeout, POLLIN once there is input, POLLHUP once the other end is gone; bad arguments a TypeError', () => {
    const POLLIN = 1;
    const POLLHUP = 16;
    const pair = sys().socketpair() as [number, number];
    try {
      const t = Date.now();
      expect(sys().poll(pair[0], 30)).toBe(0);
      expect(Date.now() - t).toBeGreaterThanOrEqual(25);
      fs.writeSync(pair[1], 'x');
      expect(sys().poll(pair[0], 1000) & POLLIN).toBe(POLLIN);
      fs.closeSync(pair[1]);
      expect(sys().poll(pair[0], 1000) & POLLHUP).toBe(POLLHUP);
    } finally {
      fs.closeSync(pair[0]);
    }
    const poll = sys().poll as unknown as (...a: unknown[]) => number;
    expect(() => poll(0)).toThrow(/two integers/);
    expect(() => poll(-1, 0)).toThrow(TypeError);
  });

  describe('spawn, socketpair, waitpid', () => {
    const read = (fd: number) => {
      const buf = Buffer.alloc(4096);
      let out = '';
      for (let n = fs.readSync(fd, buf); n > 0; n = fs.readSync(fd, buf)) out += buf.toString('utf8', 0, n);
      return out;
    };
    const run = (script: string, fds: number[], newSession = false) => {
      const pair = sys().socketpair();
      if (typeof pair === 'number') throw new Error(`socketpair: ${pair}`);
      const [mine, theirs] = pair;
      const pid = sys().spawn('/bin/sh', ['sh', '-c', script], [...fds.map((f) => (f === -2 ? theirs : f))], newSession);
      fs.closeSync(theirs);
      const out = read(mine);
      fs.closeSync(mine);
      return { pid, out, wait: sys().waitpid(pid, false) };
    };

    it('places each fd at its index, sources that overlap targets included, and nothing else', () => {
      const a = path.join(dir, 'a');
      const b = path.join(dir, 'b');
      const fa = fs.openSync(a, 'w');
      const fb = fs.openSync(b, 'w');
      try {
        // Child fd 3 is the socket (-2), 4 is file b, 5 file a.
        const r = run('echo to-b >&4; echo to-a >&5', [0, 1, 2, -2, fb, fa]);
        expect(r.wait).toEqual([r.pid, 1, 0]);
        expect(fs.readFileSync(a, 'utf8')).toBe('to-a\n');
        expect(fs.readFileSync(b, 'utf8')).toBe('to-b\n');
        // ls's stdout is the socket and fds 3, 4 the files: it sees those, and the one it opens for the listing.
        const pair = sys().socketpair() as [number, number];
        const pid = sys().spawn('/bin/ls', ['ls', '/proc/self/fd'], [0, pair[1], 2, fb, fa], false);
        fs.closeSync(pair[1]);
        const listed = read(pair[0]).trim().split('\n').map(Number);
        fs.closeSync(pair[0]);
        expect(sys().waitpid(pid, false)).toEqual([pid, 1, 0]);
        expect(listed).toEqual([0, 1, 2, 3, 4, 5]);
      } finally {
        fs.closeSync(fa);
        fs.closeSync(fb);
      }
    });

    it('a source fd that is not open leaves its target closed', () => {
      const r = run('[ -e /proc/$$/fd/4 ] && echo open >&3 || echo closed >&3', [0, 1, 2, -2, 999]);
      expect(r.out.trim()).toBe('closed');
      // One no fd can be, past the fd limit: the same, not an error.
      const big = run('[ -e /proc/$$/fd/4 ] && echo open >&3 || echo closed >&3', [0, 1, 2, -2, 2147483647]);
      expect(big.pid).toBeGreaterThan(0);
      expect(big.out.trim()).toBe('closed');
    });

    it('a new session on request; every signal default and unblocked either way', () => {
      const probe = `echo "$$ $(cut -d' ' -f6 /proc/$$/stat) $(awk '/^SigIgn/{print $2}' /proc/$$/status) $(awk '/^SigBlk/{print $2}' /proc/$$/status)" >&3`;
      for (const newSession of [true, false]) {
        const [pid, sid, ign, blk] = run(probe, [0, 1, 2, -2], newSession).out.trim().split(' ');
        expect(sid === pid, `newSession ${newSession}`).toBe(newSession);
        expect(BigInt(`0x${ign}`) & CLASSIC).toBe(0n);
        expect(BigInt(`0x${blk}`) & CLASSIC).toBe(0n);
      }
    });

    it('exit statuses and signals through waitpid; noHang while running', () => {
      expect(run('exit 7', [0, 1, 2, -2]).wait).toMatchObject([expect.any(Number), 1, 7]);
      const pid = sys().spawn('/bin/sleep', ['sleep', '30'], [0, 1, 2], false);
      expect(pid).toBeGreaterThan(0);
      expect(sys().waitpid(pid, true)).toEqual([0, 0, 0]);
      process.kill(pid, 'SIGTERM');
      expect(sys().waitpid(pid, false)).toEqual([pid, 2, 15]);
      expect(sys().waitpid(pid, false)).toBe(-10); // ECHILD: reaped already
    });

    it('a file that cannot be executed: -errno, and no child is left', () => {
      expect(sys().spawn(path.join(dir, 'missing'), ['x'], [0, 1, 2], false)).toBe(-2); // ENOENT
      const text = path.join(dir, 'text');
      fs.writeFileSync(text, 'not a program', { mode: 0o644 });
      expect(sys().spawn(text, ['x'], [0, 1, 2], false)).toBe(-13); // EACCES
      expect(sys().waitpid(-1, true)).toBe(-10); // ECHILD: both were reaped
    });

    it.skipIf(process.platform !== 'linux')('sealed: the child runs a sealed memfd copy made for it, and holds no fd of it', () => {
      const helper = path.resolve(import.meta.dirname, '../../native/runj-helper');
      const pair = sys().socketpair() as [number, number];
      const pid = sys().spawn(helper, [helper, '3'], [0, 1, 2, pair[1]], true, true);
      fs.closeSync(pair[1]);
      try {
        expect(pid).toBeGreaterThan(0);
        // spawn returns once the child's exec is done: the image is the copy it was given from the
        // start (without one the helper runs from the file until it has copied and re-executed itself).
        expect(fs.readlinkSync(`/proc/${pid}/exe`)).toBe('/memfd:runj-helper (deleted)');
        expect(() => fs.openSync(`/proc/${pid}/exe`, 'r+')).toThrow(/EPERM|EACCES|ETXTBSY/);
      } finally {
        fs.closeSync(pair[0]); // the helper reads the end of its plan's socket and exits
        sys().waitpid(pid, false);
      }
      // ls sees its stdio and the fd it lists with: not the copy it was run from.
      const ls = sys().socketpair() as [number, number];
      const lsPid = sys().spawn('/bin/ls', ['ls', '/proc/self/fd'], [0, ls[1], 2], false, true);
      fs.closeSync(ls[1]);
      const listed = read(ls[0]).trim().split('\n').map(Number);
      fs.closeSync(ls[0]);
      expect(sys().waitpid(lsPid, false)).toEqual([lsPid, 1, 0]);
      expect(listed).toEqual([0, 1, 2, 3]);
      // A script is run from its file: from a close-on-exec copy its interpreter would find no path.
      const r = sys().spawn('/bin/sh', ['sh', '-c', 'exit 4'], [0, 1, 2], false, true);
      expect(sys().waitpid(r, false)).toEqual([r, 1, 4]);
      const script = path.join(dir, 'script');
      fs.writeFileSync(script, '#!/bin/sh\nexit 5\n', { mode: 0o755 });
      const q = sys().spawn(script, [script], [0, 1, 2], false, true);
      expect(sys().waitpid(q, false)).toEqual([q, 1, 5]);
    });

    it("spawn's own fds (its error pipe, a sealed copy) never reach the child, even at a listed source's number", () => {
      // Sources 3..40, as a caller passing on fds it does not all have: the fds spawn opens for
      // itself take the lowest free numbers, which may be among them.
      const sources = (except: number) => Array.from({ length: 38 }, (_, i) => (3 + i === except ? -1 : 3 + i));
      // The error pipe's write end in the child would keep spawn reading it until the child exits.
      const t = Date.now();
      const sleeper = sys().spawn('/bin/sleep', ['sleep', '2'], [0, 1, 2, ...sources(-1)], false);
      expect(Date.now() - t).toBeLessThan(1500);
      process.kill(sleeper, 'SIGKILL');
      sys().waitpid(sleeper, false);
      if (process.platform !== 'linux') return;
      const pair = sys().socketpair() as [number, number];
      const ls = sys().spawn('/bin/ls', ['ls', '-l', '/proc/self/fd'], [0, pair[1], 2, ...sources(pair[1])], false, true);
      fs.closeSync(pair[1]);
      const seen = read(pair[0]);
      fs.closeSync(pair[0]);
      expect(sys().waitpid(ls, false)).toEqual([ls, 1, 0]);
      expect(seen).not.toContain('memfd:runj-helper');
    });

    it('bad arguments are TypeErrors and RangeErrors, before anything is started', () => {
      const spawn = sys().spawn as unknown as (...a: unknown[]) => number;
      expect(() => spawn('/bin/true', 'true', [0], false)).toThrow(TypeError);
      expect(() => spawn('/bin/true', [], [0], false)).toThrow(RangeError);
      expect(() => spawn('/bin/true', ['a\0b'], [0], false)).toThrow(/NUL/);
      expect(() => spawn('/bin/true', ['true'], ['0'], false)).toThrow(/integers/);
      expect(() => spawn('/bin/true', ['true'], [0])).toThrow(TypeError);
      expect(() => spawn('/bin/true', ['true'], [0], false, 'yes')).toThrow(TypeError);
    });
  });
});
