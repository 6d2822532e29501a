/**
 * The FreeBSD system calls runj makes from Node, through koffi: jail_set,
 * jail_get, jail_remove, nmount, unmount, getfsstat, kill and sysctl (kern.proc).
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
import { RuntimeError } from '../../runtime/errors.js';
import { type Koffi, koffi } from '../koffi.js';
import { errnoName, errnoText } from './errno.js';
import type { IovPair } from './jailParams.js';
import { CTL_KERN, KERN_PROC, KERN_PROC_PID, KERN_PROC_PROC, KINFO_PROC_SIZE, type KinfoProc, decodeKinfoProcs } from './kinfo.js';

/** libjail's JAIL_ERRMSGLEN; nmount callers (mount(8)) use 255. */
export const ERRMSG_LEN = 1024;
const IOVEC_SIZE = 16;
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
          put64(idx * IOVEC_SIZE + 8, 0n);
          if (idx % 2) where.push([-1, 0]);
          continue;
        }
        buf.copy(view, data);
        put64(idx * IOVEC_SIZE, base + BigInt(data));
        put64(idx * IOVEC_SIZE + 8, BigInt(buf.length));
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

const JAIL_SET = 'int jail_set(void *iov, unsigned int niov, int flags)';
const JAIL_GET = 'int jail_get(void *iov, unsigned int niov, int flags)';
const NMOUNT = 'int nmount(void *iov, unsigned int niov, int flags)';

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
  const f = fn('int jail_remove(int jid)');
  if ((f(jid) as number) < 0) throw new SyscallError('jail_remove', koffi().errno() as number, '', `jail_remove ${jid}`);
}

export function nmount(pairs: readonly IovPair[], flags: number, what = 'nmount'): void {
  const r = iovCall(NMOUNT, pairs, flags);
  if (r.ret < 0) throw new SyscallError('nmount', r.errno, r.errmsg, what);
}

export function unmount(dir: string, flags: number): void {
  const f = fn('int unmount(const char *dir, int flags)');
  if ((f(dir, flags) as number) < 0) throw new SyscallError('unmount', koffi().errno() as number, '', `unmount ${dir}`);
}

/** struct statfs (sys/sys/mount.h, STATFS_VERSION 0x20140518): 2344 bytes, f_mntonname (MNAMELEN 1024) at 1320. */
const STATFS_SIZE = 2344;
const F_MNTONNAME = 1320;
const MNT_NOWAIT = 2;

/** getfsstat(2): the mount point of every mounted filesystem, in mount order. */
export function mountPoints(): string[] {
  const f = fn('int getfsstat(void *buf, long bufsize, int mode)');
  for (let attempt = 0; attempt < 8; attempt++) {
    const count = f(null, 0, MNT_NOWAIT) as number;
    if (count < 0) throw new SyscallError('getfsstat', koffi().errno() as number, '', 'getfsstat');
    const buf = Buffer.alloc((count + 8) * STATFS_SIZE);
    const n = f(buf, buf.length, MNT_NOWAIT) as number;
    if (n < 0) throw new SyscallError('getfsstat', koffi().errno() as number, '', 'getfsstat');
    if (n >= count + 8) continue; // the table grew past the buffer: it may be cut short
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const name = buf.subarray(i * STATFS_SIZE + F_MNTONNAME, (i + 1) * STATFS_SIZE);
      out.push(name.subarray(0, name.indexOf(0) < 0 ? name.length : name.indexOf(0)).toString('utf8'));
    }
    return out;
  }
  throw new RuntimeError('ESYSTEM', 'getfsstat: the mount table kept growing');
}

export function kill(pid: number, signal: number): void {
  const f = fn('int kill(int pid, int sig)');
  if ((f(pid, signal) as number) < 0) throw new SyscallError('kill', koffi().errno() as number, '', `kill ${pid}`);
}

const SYSCTL = 'int sysctl(const int *name, unsigned int namelen, void *oldp, void *oldlenp, const void *newp, size_t newlen)';

function sysctlProcs(mib: number[], what: string): KinfoProc[] {
  const f = fn(SYSCTL);
  const name = new Int32Array(mib);
  const lenBuf = Buffer.alloc(8);
  for (let attempt = 0; attempt < 8; attempt++) {
    writeSize(lenBuf, 0);
    if ((f(name, mib.length, null, lenBuf, null, 0) as number) < 0) throw new SyscallError('sysctl', koffi().errno() as number, '', what);
    const size = readSize(lenBuf) + 16 * KINFO_PROC_SIZE;
    const buf = Buffer.alloc(size);
    writeSize(lenBuf, size);
    if ((f(name, mib.length, buf, lenBuf, null, 0) as number) < 0) {
      const errno = koffi().errno() as number;
      if (errno === 12 /* ENOMEM: the table grew */) continue;
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
    if (err instanceof SyscallError && err.errno === 3 /* ESRCH */) return undefined;
    throw err;
  }
}

/** Every process on the host (kern.proc.proc: one entry per process). */
export function allProcs(): KinfoProc[] {
  return sysctlProcs([CTL_KERN, KERN_PROC, KERN_PROC_PROC], 'sysctl kern.proc.proc');
}
