// helperFeatures asks the helper binary (`--features`) through runj's addon:
// what it answers, and a helper that cannot run or answers something else
// (then nothing optional is used: seccomp and tty are off).
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

  it('a helper that is missing, fails or answers garbage can do nothing optional', async () => {
    const none = { seccomp: false, tty: false };
    expect(await featuresOf(path.join(dir, 'missing'))).toEqual(none);
    expect(await featuresOf(script('garbage', 'echo not-json; exit 3'))).toEqual(none);
    expect(await featuresOf(script('silent', 'exit 0'))).toEqual(none);
    fs.writeFileSync(path.join(dir, 'text'), 'no shebang, no mode', { mode: 0o644 });
    expect(await featuresOf(path.join(dir, 'text'))).toEqual(none);
  });
});
