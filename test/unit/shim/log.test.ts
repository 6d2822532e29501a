/**
 * The shim's log goes to the bundle's `log` fifo (containerd holds it open
 * read-write); debug lines only with -debug; no fifo, no log (stdout and
 * stderr are containerd's reply channel).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { shimLogger } from '../../../src/shim/log.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A bundle with a log fifo held open read-write, as containerd does; returns what was written so far. */
function bundleWithFifo(): { bundle: string; read(): string; close(): void } {
  const bundle = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-log-'));
  dirs.push(bundle);
  execFileSync('mkfifo', [path.join(bundle, 'log')]);
  const fd = fs.openSync(path.join(bundle, 'log'), fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
  return {
    bundle,
    read() {
      const buf = Buffer.alloc(65536);
      try {
        return buf.subarray(0, fs.readSync(fd, buf)).toString();
      } catch {
        return ''; // EAGAIN: nothing written
      }
    },
    close: () => fs.closeSync(fd),
  };
}

describe('shim log', () => {
  it('writes info and warnings to the bundle log fifo, debug lines only with -debug', () => {
    const quiet = bundleWithFifo();
    const log = shimLogger(quiet.bundle, false);
    log.debug('hidden detail');
    log.info('visible');
    const q = quiet.read();
    expect(q).toMatch(/level=info msg="visible"/);
    expect(q).not.toContain('hidden detail');
    quiet.close();

    const loud = bundleWithFifo();
    shimLogger(loud.bundle, true).debug('shown detail');
    expect(loud.read()).toMatch(/level=debug msg="shown detail"/);
    loud.close();
  });

  it('a shim serving several containers writes to the oldest one still served, then the next', () => {
    const a = bundleWithFifo();
    const b = bundleWithFifo();
    const log = shimLogger(a.bundle, false).attach(b.bundle).attach(a.bundle);
    log.info('one');
    expect([a.read(), b.read()].map((t) => t.includes('one'))).toEqual([true, false]);
    log.detach(a.bundle);
    log.info('two');
    expect([a.read(), b.read()].map((t) => t.includes('two'))).toEqual([false, true]);
    log.detach(b.bundle);
    expect(log.toFile).toBe(false);
    log.error('nowhere'); // no fifo left: dropped, not thrown
    a.close();
    b.close();
  });

  it('moves on when containerd stopped reading a fifo (EPIPE)', () => {
    const a = bundleWithFifo();
    const b = bundleWithFifo();
    const log = shimLogger(a.bundle, false).attach(b.bundle);
    a.close(); // containerd's end of the first container's log is gone
    log.warn('still logged');
    expect(b.read()).toMatch(/level=warning msg="still logged"/);
    b.close();
  });

  it('logs nothing anywhere when the bundle has no log fifo', () => {
    const bundle = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-log-'));
    dirs.push(bundle);
    fs.writeFileSync(path.join(bundle, 'log'), '');
    shimLogger(bundle, true).error('not here');
    expect(fs.readFileSync(path.join(bundle, 'log'), 'utf8')).toBe('');
    expect(shimLogger(path.join(bundle, 'absent'), true).toFile).toBe(false);
  });
});
