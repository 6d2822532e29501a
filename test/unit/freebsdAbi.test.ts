/**
 * scripts/abi-check.mjs against the installed Rust libc crate and Go
 * x/sys/unix (scripts/deps.sh installs both): the real abi.ts passes, and
 * any one drifted number fails the check.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const abiTs = path.join(root, 'src/platform/freebsd/abi.ts');
const original = fs.readFileSync(abiTs, 'utf8');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-abi-'));
// abi.ts re-exports the signal table from signals.ts beside it: a changed copy of abi.ts needs it too.
fs.copyFileSync(path.join(root, 'src/platform/freebsd/signals.ts'), path.join(tmp, 'signals.ts'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const doubleC = path.join(root, 'native/jailtest/jailtest.h');
const originalDouble = fs.readFileSync(doubleC, 'utf8');

function runCheck(text?: string, headers?: string, double?: string): { status: number | null; out: string } {
  let file = abiTs;
  if (text !== undefined) {
    file = path.join(tmp, `abi-${Math.random().toString(36).slice(2)}.ts`);
    fs.writeFileSync(file, text);
  }
  const extra = headers ? ['--headers', headers] : [];
  if (double !== undefined) {
    const c = path.join(tmp, `jailtest-${Math.random().toString(36).slice(2)}.h`);
    fs.writeFileSync(c, double);
    extra.push('--double', c);
  }
  const r = spawnSync(process.execPath, [path.join(root, 'scripts/abi-check.mjs'), '--abi', file, ...extra], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

function mutate(from: string, to: string): string {
  expect(original).toContain(from);
  return original.replace(from, to);
}

describe('abi-check', () => {
  it('passes on abi.ts and counts assertions for both architectures', () => {
    const r = runCheck();
    expect(r.out).toMatch(/abi-check amd64: \d+ assertions matched/);
    expect(r.out).toMatch(/abi-check arm64: \d+ assertions matched/);
    expect(r.out).toContain('21 prototypes checked');
    expect(r.out).toMatch(/\d+ numbers of jailtest\.h checked/);
    expect(r.out).toMatch(/\d+ constants and 5 prototypes of native\/jailtest\/include\/sys checked/);
    expect(r.status).toBe(0);
  });
  it('fails when a kinfo_proc offset drifts', () => {
    const r = runCheck(mutate('ki_jid: { offset: 592, size: 4 }', 'ki_jid: { offset: 596, size: 4 }'));
    expect(r.status).toBe(1);
    expect(r.out).toContain('kinfo_proc.ki_jid offset is 596 in abi.ts but 592 in Rust libc');
  });
  it('fails when the struct size drifts', () => {
    const r = runCheck(mutate('size: 1088,', 'size: 1096,'));
    expect(r.status).toBe(1);
    expect(r.out).toContain('sizeof(struct kinfo_proc) is 1096');
  });
  it('fails when a flag bit drifts, naming both sources', () => {
    const r = runCheck(mutate('FORCE: 0x80000,', 'FORCE: 0x40000,'));
    expect(r.status).toBe(1);
    expect(r.out).toContain('MNT_FORCE is 262144 in abi.ts but 524288 in Rust libc');
    expect(r.out).toContain('MNT_FORCE is 262144 in abi.ts but 524288 in Go x/sys/unix');
  });
  it('fails when an errno number drifts', () => {
    const r = runCheck(mutate("35: ['EAGAIN',", "11: ['EAGAIN',"));
    expect(r.status).toBe(1);
    expect(r.out).toContain('EAGAIN is 11 in abi.ts but 35');
  });
  it('fails when a prototype drifts', () => {
    const r = runCheck(mutate('int jail_set(void *iov, unsigned int niov, int flags)', 'int jail_set(void *iov, size_t niov, int flags)'));
    expect(r.status).toBe(1);
    expect(r.out).toContain('prototype jail_set is int32(ptr,int64,int32) in abi.ts but int32(ptr,int32,int32)');
  });
  it('fails when a struct statfs offset drifts', () => {
    const r = runCheck(mutate('f_fsid: { offset: 192, size: 8 }', 'f_fsid: { offset: 184, size: 8 }'));
    expect(r.status).toBe(1);
    expect(r.out).toContain('amd64: statfs.f_fsid offset is 184 in abi.ts but 192 in Rust libc');
    expect(r.out).toContain('arm64: statfs.f_fsid offset is 184 in abi.ts but 192 in Go x/sys/unix');
  });
  it('fails when struct stat st_mode is taken for a 32-bit mode_t', () => {
    const r = runCheck(mutate('st_mode: { offset: 24, size: 2 }', 'st_mode: { offset: 24, size: 4 }'));
    expect(r.status).toBe(1);
    expect(r.out).toContain('stat.st_mode size is 4 in abi.ts but 2 in Go x/sys/unix');
  });
  it('fails when an open(2) flag drifts', () => {
    const r = runCheck(mutate('DIRECTORY: 0x20000,', 'DIRECTORY: 0x10000,'));
    expect(r.status).toBe(1);
    expect(r.out).toContain('O_DIRECTORY is 65536 in abi.ts but 131072 in Rust libc');
    expect(r.out).toContain('O_DIRECTORY is 65536 in abi.ts but 131072 in Go x/sys/unix');
  });
  it('reads a negative constant of Go (AT_FDCWD is -0x64 there)', () => {
    const r = runCheck(mutate('FDCWD: -100,', 'FDCWD: 100,'));
    expect(r.status).toBe(1);
    expect(r.out).toContain('AT_FDCWD is 100 in abi.ts but -100 in Go x/sys/unix');
  });
  it("fails on mkdirat with an int mode: FreeBSD's mode_t is 16 bits", () => {
    const r = runCheck(mutate('int mkdirat(int fd, const char *path, uint16_t mode)', 'int mkdirat(int fd, const char *path, int mode)'));
    expect(r.status).toBe(1);
    expect(r.out).toContain('prototype mkdirat is int32(int32,ptr,int32) in abi.ts but int32(int32,ptr,int16) in Rust libc');
    expect(r.out).toContain('prototype mkdirat is int32(int32,ptr,int32) in abi.ts but int32(int32,ptr,int16) in Go x/sys/unix');
  });
  it("checks openat's variadic mode against the system call's fixed arguments", () => {
    const r = runCheck(mutate('int openat(int fd, const char *path, int flags, ...)', 'int openat(int fd, const char *path, long flags, ...)'));
    expect(r.status).toBe(1);
    expect(r.out).toContain('prototype openat is int32(int32,ptr,int64,...) in abi.ts but int32(int32,ptr,int32,...) in Go x/sys/unix');
  });
  it("fails when the syscall double's statfs layout or flags drift", () => {
    expect(originalDouble).toContain('#define F_OFF_statfs_f_mntonname 1320');
    expect(originalDouble).toContain('#define F_O_NOFOLLOW 0x100');
    const bad = originalDouble.replace('#define F_OFF_statfs_f_mntonname 1320', '#define F_OFF_statfs_f_mntonname 1312').replace('#define F_O_NOFOLLOW 0x100', '#define F_O_NOFOLLOW 0x200');
    const r = runCheck(original, undefined, bad);
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/jailtest-\w+\.h: statfs\.f_mntonname offset is 1312 in jailtest-\w+\.h but 1320 in Rust libc/);
    expect(r.out).toMatch(/jailtest-\w+\.h: O_NOFOLLOW is 512 in jailtest-\w+\.h but 256 in Go x\/sys\/unix/);
  });
  it('fails on a value no source has unless UNVERIFIED gives the reason', () => {
    const r = runCheck(mutate("  SIGRTMAX: 'sys/signal.h SIGRTMAX 126: as SIGRTMIN',\n", ''));
    expect(r.status).toBe(1);
    expect(r.out).toContain('SIGRTMAX (126) is in no source and not listed in UNVERIFIED');
  });
  it('checks the FreeBSD headers freebsd-check compiles against', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'sys-'));
    const src = path.join(root, 'native/jailtest/include/sys');
    for (const f of fs.readdirSync(src)) fs.copyFileSync(path.join(src, f), path.join(dir, f));
    const procctl = path.join(dir, 'procctl.h');
    fs.writeFileSync(procctl, fs.readFileSync(procctl, 'utf8').replace('#define PROC_TRACE_CTL 7', '#define PROC_TRACE_CTL 17'));
    const jail = path.join(dir, 'jail.h');
    fs.writeFileSync(jail, fs.readFileSync(jail, 'utf8').replace('int jail_attach(int jid);', 'int jail_attach(long jid);'));
    const r = runCheck(original, dir);
    expect(r.status).toBe(1);
    expect(r.out).toContain('sys/procctl.h: PROC_TRACE_CTL is 17 in the header but 7 in Rust libc');
    expect(r.out).toContain('sys/jail.h: prototype jail_attach is int32(int64) in the header but int32(int32)');
  });
});
