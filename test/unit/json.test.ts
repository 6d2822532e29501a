// readJsonFile: the one reader of the JSON documents a user names (config.json,
// exec --process, update --resources, the host policy, runj.ext.json).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RuntimeError } from '../../src/core/errors.js';
import { readJsonFile } from '../../src/core/json.js';
import { readLimitedFd } from '../../src/core/readLimited.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-json-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function failure(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RuntimeError);
    return { code: (err as RuntimeError).code, message: (err as Error).message };
  }
  throw new Error('expected an error');
}

describe('readJsonFile', () => {
  const opts = { max: 64, what: 'test file' };

  it('parses a small regular file', () => {
    const f = path.join(tmp, 'ok.json');
    fs.writeFileSync(f, '{"a":[1,2]}');
    expect(readJsonFile(f, opts)).toEqual({ a: [1, 2] });
  });

  it('names the file in every error, with the code of the read or of the JSON', () => {
    const bad = path.join(tmp, 'bad.json');
    fs.writeFileSync(bad, '{"a":');
    expect(failure(() => readJsonFile(bad, { ...opts, code: 'EBUNDLE' }))).toEqual({
      code: 'ECONFIG',
      message: expect.stringMatching(new RegExp(`^${bad}: invalid JSON: .+`)),
    });
    expect(failure(() => readJsonFile(bad, { ...opts, jsonCode: 'EINVALID', name: `--resources ${bad}` })).message).toMatch(`--resources ${bad}: invalid JSON: `);
    const missing = path.join(tmp, 'missing.json');
    expect(failure(() => readJsonFile(missing, { ...opts, code: 'EBUNDLE' }))).toEqual({ code: 'EBUNDLE', message: `${missing} does not exist` });
    expect(readJsonFile(missing, { ...opts, optional: true })).toBeUndefined();
    const big = path.join(tmp, 'big.json');
    fs.writeFileSync(big, `"${'x'.repeat(70)}"`);
    expect(failure(() => readJsonFile(big, opts))).toEqual({ code: 'ECONFIG', message: `${big}: larger than runj's limit for a test file (64 bytes)` });
    expect(failure(() => readJsonFile(tmp, { ...opts, optional: true })).message).toBe(`${tmp}: not a regular file (a directory)`);
  });

  it('an optional document: absent only where no file is (ENOENT); a path that cannot be looked at is an error, as before', () => {
    // Found without a read (src/core/json.ts), yet only what is not there counts as absent.
    const loop = path.join(tmp, 'loop.json');
    fs.symlinkSync(loop, loop);
    expect(failure(() => readJsonFile(loop, { ...opts, optional: true }))).toEqual({ code: 'ECONFIG', message: expect.stringMatching(new RegExp(`^cannot read ${loop}: ELOOP`)) });
    const file = path.join(tmp, 'plain');
    fs.writeFileSync(file, '{}');
    const under = path.join(file, 'under.json');
    expect(failure(() => readJsonFile(under, { ...opts, optional: true })).message).toMatch(new RegExp(`^cannot read ${under}: ENOTDIR`));
    expect(readJsonFile(path.join(tmp, 'nowhere', 'x.json'), { ...opts, optional: true })).toBeUndefined();
  });

  it('reads "-" as a file name unless told it means standard input; an fd is read bounded too', () => {
    expect(failure(() => readJsonFile('-', opts)).message).toBe('- does not exist');
    const f = path.join(tmp, 'fd.json');
    fs.writeFileSync(f, 'x'.repeat(65));
    const fd = fs.openSync(f, 'r');
    try {
      expect(() => readLimitedFd(fd, 64, 'test file', 'EINVALID', 'standard input')).toThrow("standard input: larger than runj's limit for a test file (64 bytes)");
    } finally {
      fs.closeSync(fd);
    }
  });
});
