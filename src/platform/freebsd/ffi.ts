/**
 * The FreeBSD system calls runj makes from Node, through koffi: jail_set,
 * jail_get, jail_remove, nmount, unmount, kill and sysctl (kern.proc), and
 * the *at calls and statfs family that place mounts safely (mountpoint.ts).
 * Iovec arrays are built by hand in one koffi.alloc'ed block (struct iovec
 * is { void *iov_base; size_t iov_len; }, 16 bytes on LP64), with an
 * `errmsg` pair the kernel fills on failure. Failures become RuntimeErrors
 * carrying the kernel's errmsg and FreeBSD's errno name.
 *
 * The library is libc.so.7, or $RUNJ_FREEBSD_LIBC (the tests point it at
 * native/jailtest/libjailtest.so, which has the same ABI). Functions are
 * bound on first use. The Node process never calls jail_attach: the helper
 * does.
 */
import { endianness } from 'node:os';
import { RuntimeError } from '../../core/errors.js';
import { type Koffi, koffi } from '../../core/koffi.js';
import { LIMITS, MNT_BYFSID, MNT_NOWAIT, PROTOTYPES, SIZE_T, STRUCTS } from './abi.js';
import { E, errnoName, errnoText } from './errno.js';
import type { IovPair } from './iov.js';
import { CTL_KERN, KERN_BOOTTIME, KERN_PROC, KERN_PROC_PID, KERN_PROC_PROC, KINFO_PROC_SIZE, type KinfoProc, decodeKinfoProcs, decodeTimeval } from './kinfo.js';

/** libjail's JAIL_ERRMSGLEN; nmount callers (mount(8)) use 255. */
export const ERRMSG_LEN = 1024;
const IOVEC_SIZE = STRUCTS.iovec.size;
const IOV_LEN = STRUCTS.iovec.fields.iov_len.offset;
const LE = endianness() === 'LE';
const readSize = (b: Buffer) => Number(LE ? b.readBigUInt64LE() : b.readBigUInt64BE());
const writeSize = (b: Buffer, n: number) => (LE ? b.writeBigUInt64LE(BigInt(n)) : b.writeBigUInt64BE(BigInt(n)));

export function freebsdLibcPath(): string {
  return process.env.RUNJ_FREEBSD_LIBC || 'libc.so.7';
}

interface Loaded {
  path: string;
  lib: Koffi;
  fns: Map<string, Koffi>;
}
let loaded: Loaded | undefined;

function fn(proto: string): Koffi {
  const path = freebsdLibcPath();
  if (!loaded || loaded.path !== path) loaded = { path, lib: koffi().load(path), fns: new Map() };
  let f = loaded.fns.get(proto);
  if (!f) {
    f = loaded.lib.func(proto);
    loaded.fns.set(proto, f);
  }
  return f;
}

/** A failed system call: FreeBSD's errno (number and name) and the kernel's errmsg, if any. */
export class SyscallError extends RuntimeError {
  constructor(
    readonly call: string,
    readonly errno: number,
    readonly errmsg: string,
    what: string,
  ) {
    super('ESYSTEM', `${what}: ${errmsg || errnoText(errno)} (${errnoName(errno)})`, { call, errno: errnoName(errno), errnoNumber: errno, errmsg });
    this.name = 'SyscallError';
  }
}

export interface IovResult {
  ret: number;
  errno: number;
  errmsg: string;
  /** Each pair's value bytes after the call (jail_get's outputs). */
  values: (Buffer | null)[];
}

/** Calls `int f(struct iovec *, u_int, int)` with the pairs plus an errmsg pair. */
export function iovCall(proto: string, pairs: readonly IovPair[], flags: number): IovResult {
  const k = koffi();
  const f = fn(proto);
  const all: IovPair[] = [...pairs, { name: Buffer.from('errmsg\0'), value: Buffer.alloc(ERRMSG_LEN) }];
  const niov = all.length * 2;
  const dataSize = all.reduce((n, p) => n + p.name.length + (p.value?.length ?? 0), 0);
  const total = niov * IOVEC_SIZE + dataSize;
  const mem = k.alloc('uint8_t', total);
  try {
    const base: bigint = k.address(mem);
    const view = Buffer.from(k.view(mem, total) as ArrayBuffer);
    const put64 = (o: number, v: bigint) => (LE ? view.writeBigUInt64LE(v, o) : view.writeBigUInt64BE(v, o));
    let data = niov * IOVEC_SIZE;
    const where: [number, number][] = [];
    all.forEach((p, i) => {
      const entries: [Buffer | null, number][] = [[p.name, 2 * i], [p.value, 2 * i + 1]];
      for (const [buf, idx] of entries) {
        if (buf === null) {
          put64(idx * IOVEC_SIZE, 0n);
          put64(idx * IOVEC_SIZE + IOV_LEN, 0n);
          if (idx % 2) where.push([-1, 0]);
          continue;
        }
        buf.copy(view, data);
        put64(idx * IOVEC_SIZE, base + BigInt(data));
        put64(idx * IOVEC_SIZE + IOV_LEN, BigInt(buf.length));
        if (idx % 2) where.push([data, buf.length]);
        data += buf.length;
      }
    });
    const ret = f(mem, niov, flags) as number;
    const errno = ret < 0 ? (k.errno() as number) : 0;
    const values = where.map(([o, n]) => (o < 0 ? null : Buffer.from(view.subarray(o, o + n))));
    const msgBuf = values.at(-1) as Buffer;
    const nul = msgBuf.indexOf(0);
    const errmsg = msgBuf.subarray(0, nul < 0 ? msgBuf.length : nul).toString('utf8');
    return { ret, errno, errmsg, values: values.slice(0, -1) };
  } finally {
    k.free(mem);
  }
}

const JAIL_SET = PROTOTYPES.jail_set;
const JAIL_GET = PROTOTYPES.jail_get;
const NMOUNT = PROTOTYPES.nmount;

/** jail_set(2): returns the jid. */
export function jailSet(pairs: readonly IovPair[], flags: number, what = 'jail_set'): number {
  const r = iovCall(JAIL_SET, pairs, flags);
  if (r.ret < 0) throw new SyscallError('jail_set', r.errno, r.errmsg, what);
  return r.ret;
}

/** jail_get(2): returns the jid and every pair's value buffer as the kernel left it. */
export function jailGet(pairs: readonly IovPair[], flags: number, what = 'jail_get'): { jid: number; values: (Buffer | null)[] } {
  const r = iovCall(JAIL_GET, pairs, flags);
  if (r.ret < 0) throw new SyscallError('jail_get', r.errno, r.errmsg, what);
  return { jid: r.ret, values: r.values };
}

export function jailRemove(jid: number): void {
  const f = fn(PROTOTYPES.jail_remove);
  if ((f(jid) as number) < 0) throw new SyscallError('jail_remove', koffi().errno() as number, '', `jail_remove ${jid}`);
}

export function nmount(pairs: readonly IovPair[], flags: number, what = 'nmount'): void {
  const r = iovCall(NMOUNT, pairs, flags);
  if (r.ret < 0) throw new SyscallError('nmount', r.errno, r.errmsg, what);
}

export function unmount(dir: string, flags: number): void {
  const f = fn(PROTOTYPES.unmount);
  if ((f(dir, flags) as number) < 0) throw new SyscallError('unmount', koffi().errno() as number, '', `unmount ${dir}`);
}

/** unmount(2) of the mount with this fsid (MNT_BYFSID: the kernel's kern_unmount parses "FSID:<val0>:<val1>"). */
export function unmountFsid(fsid: readonly [number, number], flags: number, what = `unmount FSID:${fsid[0]}:${fsid[1]}`): void {
  const f = fn(PROTOTYPES.unmount);
  if ((f(`FSID:${fsid[0]}:${fsid[1]}`, flags | MNT_BYFSID) as number) < 0) throw new SyscallError('unmount', koffi().errno() as number, '', what);
}

const ST = STRUCTS.stat.fields;
const STAT_SIZE = STRUCTS.stat.size;
const SF = STRUCTS.statfs.fields;
const STATFS_SIZE = STRUCTS.statfs.size;

export interface FileStat {
  dev: bigint;
  ino: bigint;
  mode: number;
}
export interface FsStat {
  fsid: [number, number];
  fstype: string;
  from: string;
  on: string;
}

const u64 = (b: Buffer, o: number) => (LE ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o));
const cstr = (b: Buffer, o: number, n: number) => {
  const s = b.subarray(o, o + n);
  const nul = s.indexOf(0);
  return s.subarray(0, nul < 0 ? n : nul).toString('utf8');
};
const decodeStat = (b: Buffer): FileStat => ({
  dev: u64(b, ST.st_dev.offset),
  ino: u64(b, ST.st_ino.offset),
  mode: LE ? b.readUInt16LE(ST.st_mode.offset) : b.readUInt16BE(ST.st_mode.offset),
});
/** f_fsid is an fsid_t: two int32s, val[0] then val[1]. */
const i32 = (b: Buffer, o: number) => (LE ? b.readInt32LE(o) : b.readInt32BE(o));
const decodeStatfs = (b: Buffer, o = 0): FsStat => ({
  fsid: [i32(b, o + SF.f_fsid.offset), i32(b, o + SF.f_fsid.offset + 4)],
  fstype: cstr(b, o + SF.f_fstypename.offset, SF.f_fstypename.size),
  from: cstr(b, o + SF.f_mntfromname.offset, SF.f_mntfromname.size),
  on: cstr(b, o + SF.f_mntonname.offset, SF.f_mntonname.size),
});

function check(ret: number, call: string, what: string): number {
  if (ret < 0) throw new SyscallError(call, koffi().errno() as number, '', what);
  return ret;
}

/** openat(2); the mode goes with O_CREAT. Returns the fd. */
export function openat(dirfd: number, p: string, flags: number, mode = 0): number {
  const f = fn(PROTOTYPES.openat);
  return check(f(dirfd, p, flags, 'int', mode) as number, 'openat', `open ${p}`);
}

export function mkdirat(dirfd: number, p: string, mode: number): void {
  check(fn(PROTOTYPES.mkdirat)(dirfd, p, mode) as number, 'mkdirat', `mkdir ${p}`);
}

export function closeFd(fd: number): void {
  check(fn(PROTOTYPES.close)(fd) as number, 'close', `close ${fd}`);
}

export function readlinkat(dirfd: number, p: string): string {
  const buf = Buffer.alloc(LIMITS.PATH_MAX);
  const n = check(fn(PROTOTYPES.readlinkat)(dirfd, p, buf, buf.length) as number, 'readlinkat', `readlink ${p}`);
  return buf.subarray(0, n).toString('utf8');
}

export function fstat(fd: number): FileStat {
  const buf = Buffer.alloc(STAT_SIZE);
  check(fn(PROTOTYPES.fstat)(fd, buf) as number, 'fstat', `fstat ${fd}`);
  return decodeStat(buf);
}

export function fstatat(dirfd: number, p: string, flags: number): FileStat {
  const buf = Buffer.alloc(STAT_SIZE);
  check(fn(PROTOTYPES.fstatat)(dirfd, p, buf, flags) as number, 'fstatat', `stat ${p}`);
  return decodeStat(buf);
}

export function statfs(p: string): FsStat {
  const buf = Buffer.alloc(STATFS_SIZE);
  check(fn(PROTOTYPES.statfs)(p, buf) as number, 'statfs', `statfs ${p}`);
  return decodeStatfs(buf);
}

export function fstatfs(fd: number): FsStat {
  const buf = Buffer.alloc(STATFS_SIZE);
  check(fn(PROTOTYPES.fstatfs)(fd, buf) as number, 'fstatfs', `fstatfs ${fd}`);
  return decodeStatfs(buf);
}

/** Every mounted file system (getfsstat(2), MNT_NOWAIT). */
export function getfsstat(): FsStat[] {
  const f = fn(PROTOTYPES.getfsstat);
  for (let attempt = 0; attempt < 8; attempt++) {
    const n = check(f(null, 0, MNT_NOWAIT) as number, 'getfsstat', 'getfsstat') + 8;
    const buf = Buffer.alloc(n * STATFS_SIZE);
    const got = check(f(buf, buf.length, MNT_NOWAIT) as number, 'getfsstat', 'getfsstat');
    if (got < n) return Array.from({ length: got }, (_, i) => decodeStatfs(buf, i * STATFS_SIZE));
  }
  throw new RuntimeError('ESYSTEM', 'getfsstat: the mount table kept growing');
}

export function kill(pid: number, signal: number): void {
  const f = fn(PROTOTYPES.kill);
  if ((f(pid, signal) as number) < 0) throw new SyscallError('kill', koffi().errno() as number, '', `kill ${pid}`);
}

const SYSCTL = PROTOTYPES.sysctl;

function sysctlProcs(mib: number[], what: string): KinfoProc[] {
  const f = fn(SYSCTL);
  const name = new Int32Array(mib);
  const lenBuf = Buffer.alloc(SIZE_T);
  for (let attempt = 0; attempt < 8; attempt++) {
    writeSize(lenBuf, 0);
    if ((f(name, mib.length, null, lenBuf, null, 0) as number) < 0) throw new SyscallError('sysctl', koffi().errno() as number, '', what);
    const size = readSize(lenBuf) + 16 * KINFO_PROC_SIZE;
    const buf = Buffer.alloc(size);
    writeSize(lenBuf, size);
    if ((f(name, mib.length, buf, lenBuf, null, 0) as number) < 0) {
      const errno = koffi().errno() as number;
      if (errno === E.ENOMEM /* the table grew */) continue;
      throw new SyscallError('sysctl', errno, '', what);
    }
    try {
      return decodeKinfoProcs(buf, readSize(lenBuf));
    } catch (err) {
      throw new RuntimeError('ESYSTEM', `${what}: ${(err as Error).message}`);
    }
  }
  throw new RuntimeError('ESYSTEM', `${what}: the process table kept growing`);
}

/** One process by pid (kern.proc.pid.<pid>); undefined when there is none. */
export function procByPid(pid: number): KinfoProc | undefined {
  try {
    return sysctlProcs([CTL_KERN, KERN_PROC, KERN_PROC_PID, pid], `sysctl kern.proc.pid.${pid}`)[0];
  } catch (err) {
    if (err instanceof SyscallError && err.errno === E.ESRCH) return undefined;
    throw err;
  }
}

/** Every process on the host (kern.proc.proc: one entry per process). */
export function allProcs(): KinfoProc[] {
  return sysctlProcs([CTL_KERN, KERN_PROC, KERN_PROC_PROC], 'sysctl kern.proc.proc');
}

/** kern.boottime: the kernel's current estimate of when it booted (moves when the clock is stepped). */
export function bootTime(): { sec: number; usec: number } {
  const f = fn(SYSCTL);
  const buf = Buffer.alloc(STRUCTS.timeval.size);
  const lenBuf = Buffer.alloc(SIZE_T);
  writeSize(lenBuf, buf.length);
  if ((f(new Int32Array([CTL_KERN, KERN_BOOTTIME]), 2, buf, lenBuf, null, 0) as number) < 0) {
    throw new SyscallError('sysctl', koffi().errno() as number, '', 'sysctl kern.boottime');
  }
  return decodeTimeval(buf);
}

/** sysctlbyname(3) of a boolean or int OID; undefined when the kernel has no such OID (ENOENT). */
export function sysctlFlag(name: string): boolean | undefined {
  const f = fn(PROTOTYPES.sysctlbyname);
  const buf = Buffer.alloc(4);
  const lenBuf = Buffer.alloc(SIZE_T);
  writeSize(lenBuf, buf.length);
  if ((f(name, buf, lenBuf, null, 0) as number) < 0) {
    const errno = koffi().errno() as number;
    if (errno === E.ENOENT) return undefined;
    throw new SyscallError('sysctl', errno, '', `sysctl ${name}`);
  }
  // SYSCTL_BOOL OIDs (kern.racct.enable) answer with one byte, int ones with four: non-zero either way.
  return buf.subarray(0, readSize(lenBuf)).some((b) => b !== 0);
}

/** One of the rctl(2) calls: `int f(const void *in, size_t inlen, void *out, size_t outlen)`; returns the output text. */
function rctlCall(proto: string, call: string, input: string, outLen: number): string {
  const f = fn(proto);
  const inBuf = Buffer.from(`${input}\0`);
  for (let len = outLen; ; len *= 4) {
    const out = len ? Buffer.alloc(len) : null;
    if ((f(inBuf, inBuf.length, out, len) as number) === 0) {
      if (!out) return '';
      const nul = out.indexOf(0);
      return out.subarray(0, nul < 0 ? out.length : nul).toString('utf8');
    }
    const errno = koffi().errno() as number;
    if (errno !== E.ERANGE || len >= 1 << 20) throw new SyscallError(call, errno, '', `${call} ${input}`);
  }
}

export function rctlAddRule(rule: string): void {
  rctlCall(PROTOTYPES.rctl_add_rule, 'rctl_add_rule', rule, 0);
}

export function rctlRemoveRule(filter: string): void {
  rctlCall(PROTOTYPES.rctl_remove_rule, 'rctl_remove_rule', filter, 0);
}

/** "resource=amount,..." for the filter's subject. */
export function rctlGetRacct(filter: string): string {
  return rctlCall(PROTOTYPES.rctl_get_racct, 'rctl_get_racct', filter, 4096);
}

/** The rules in force for the filter's subject, comma-separated. */
export function rctlGetRules(filter: string): string {
  return rctlCall(PROTOTYPES.rctl_get_rules, 'rctl_get_rules', filter, 4096);
}

/** kern.racct.enable: true, false, or undefined on a kernel built without RACCT. */
export function racctEnabled(): boolean | undefined {
  return sysctlFlag('kern.racct.enable');
}
