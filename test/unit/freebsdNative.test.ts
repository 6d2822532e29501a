/**
 * `make -C native freebsd-check` compiles the helper's FreeBSD-only code on
 * this (Linux) host against native/jailtest/include: it passes on the tree,
 * and a slip in a FreeBSD-only branch, which the Linux build never
 * compiles, fails it.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const native = path.resolve(import.meta.dirname, '../../native');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-native-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function copyWith(file: string, from: string, to: string): string {
  const dir = fs.mkdtempSync(path.join(tmp, 'n-'));
  fs.cpSync(native, dir, { recursive: true, filter: (p) => !/\.(so|o)$|runj-helper$/.test(p) });
  const text = fs.readFileSync(path.join(dir, file), 'utf8');
  expect(text).toContain(from);
  fs.writeFileSync(path.join(dir, file), text.replace(from, to));
  return dir;
}

const make = (dir: string, target: string) => spawnSync('make', ['-s', '-C', dir, target], { encoding: 'utf8' });

describe('freebsd-check', () => {
  it('compiles every FreeBSD source of the helper warning-free', () => {
    const r = make(native, 'freebsd-check');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
  it('catches a misspelt constant in freebsd.c, which the Linux build does not compile', () => {
    const dir = copyWith('freebsd.c', 'PROC_NO_NEW_PRIVS_ENABLE;', 'PROC_NO_NEW_PRIV_ENABLE;');
    const r = make(dir, 'freebsd-check');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('PROC_NO_NEW_PRIV_ENABLE');
  });
  it('catches a wrong call in a __FreeBSD__ branch of a common file', () => {
    const dir = copyWith('process.c', 'buf[0] = p->gid;', 'buf[0] = p->gidd;');
    expect(make(dir, 'freebsd-check').stderr).toContain('gidd');
    expect(make(dir, 'runj-helper').status).toBe(0); // the Linux build does not see it
  });
  it('treats a warning in FreeBSD code as an error', () => {
    const dir = copyWith('freebsd.c', 'void platform_prepare(const struct plan *p) { (void)p; }', 'void platform_prepare(const struct plan *p) { int unused; (void)p; }');
    const r = make(dir, 'freebsd-check');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('unused');
  });
});
