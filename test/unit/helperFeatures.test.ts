// helperFeatures asks the helper binary (`--features`) through runj's addon:
// what it answers, and a helper that cannot run or answers something else
// (then nothing optional is used: seccomp and tty are off).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-features-'));
const saved = process.env.RUNJ_HELPER;
afterEach(() => {
  if (saved === undefined) delete process.env.RUNJ_HELPER;
  else process.env.RUNJ_HELPER = saved;
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** helperFeatures of a fresh module (it asks once per process) with RUNJ_HELPER set. */
async function featuresOf(helper: string | undefined) {
  if (helper === undefined) delete process.env.RUNJ_HELPER;
  else process.env.RUNJ_HELPER = helper;
  vi.resetModules();
  return (await import('../../src/backend/helperBinary.js')).helperFeatures();
}

const script = (name: string, body: string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
};

describe('helperFeatures', () => {
  it("reads the built helper's answer", async () => {
    const native = path.resolve(import.meta.dirname, '../../native/runj-helper');
    const answer = JSON.parse((await import('node:child_process')).execFileSync(native, ['--features'], { encoding: 'utf8' }));
    expect(await featuresOf(undefined)).toEqual({ seccomp: answer.seccomp === true, tty: true });
  });

  it('takes only true as true, from a helper answering on its stdout with stdin and stderr closed', async () => {
    // Writing to the closed stderr fails; the answer still counts.
    expect(await featuresOf(script('yes', 'echo x >&2; echo \'{"seccomp":true,"tty":"yes"}\''))).toEqual({ seccomp: true, tty: false });
  });

  it('reads the answer recorded beside the helper (<helper>.features) instead of asking, when it is not older', async () => {
    // A helper that would answer otherwise, and writes a mark when it is asked.
    const asked = path.join(dir, 'asked');
    const helper = script('recorded', `touch ${asked}; echo '{"seccomp":false,"tty":true}'`);
    fs.writeFileSync(`${helper}.features`, '{"seccomp":true,"tty":true}\n');
    expect(await featuresOf(helper)).toEqual({ seccomp: true, tty: true });
    expect(fs.existsSync(asked)).toBe(false);
    // Older than the helper (a helper rebuilt since): the helper is asked.
    const past = new Date(Date.now() - 60_000);
    fs.utimesSync(`${helper}.features`, past, past);
    expect(await featuresOf(helper)).toEqual({ seccomp: false, tty: true });
    expect(fs.existsSync(asked)).toBe(true);
    // Not JSON (a truncated write): asked too, rather than taken as "no features".
    fs.writeFileSync(`${helper}.features`, '{"seccomp":tr');
    expect(await featuresOf(helper)).toEqual({ seccomp: false, tty: true });
    fs.writeFileSync(`${helper}.features`, '{"seccomp":true,"tty":true}\n');
    fs.rmSync(asked);
    expect(await featuresOf(helper)).toEqual({ seccomp: true, tty: true });
    expect(fs.existsSync(asked)).toBe(false);
    // Larger than any answer (runj's cap for small documents, 1 MiB): not read, asked.
    fs.writeFileSync(`${helper}.features`, `{"seccomp":true,"tty":true,"pad":"${'x'.repeat(1024 * 1024)}"}`);
    expect(await featuresOf(helper)).toEqual({ seccomp: false, tty: true });
    // Not a regular file: asked too.
    fs.rmSync(`${helper}.features`);
    fs.mkdirSync(`${helper}.features`);
    expect(await featuresOf(helper)).toEqual({ seccomp: false, tty: true });
  });

  it('the build records the built helper its own answer', () => {
    const native = path.resolve(import.meta.dirname, '../../native/runj-helper');
    const recorded = fs.readFileSync(`${native}.features`, 'utf8');
    expect(recorded).toBe(execFileSync(native, ['--features'], { encoding: 'utf8' }));
    expect(fs.statSync(`${native}.features`).mtimeMs).toBeGreaterThanOrEqual(fs.statSync(native).mtimeMs);
  });

  it('a helper that is missing, fails or answers garbage can do nothing optional', async () => {
    const none = { seccomp: false, tty: false };
    expect(await featuresOf(path.join(dir, 'missing'))).toEqual(none);
    expect(await featuresOf(script('garbage', 'echo not-json; exit 3'))).toEqual(none);
    expect(await featuresOf(script('silent', 'exit 0'))).toEqual(none);
    fs.writeFileSync(path.join(dir, 'text'), 'no shebang, no mode', { mode: 0o644 });
    expect(await featuresOf(path.join(dir, 'text'))).toEqual(none);
  });
});
