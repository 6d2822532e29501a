/**
 * struct kinfo_proc (sys/user.h) as the kern.proc sysctls return it, for
 * amd64 and arm64 FreeBSD 13-15 (LP64; KINFO_PROC_SIZE 1088 on both). Only
 * the fields runj reads; the numbers live in abi.ts (checked by
 * scripts/abi-check.mjs); how they follow from the declaration:
 *
 *   0    int ki_structsize            (must be 1088: anything else is refused)
 *   8    8 pointers (ki_args .. ki_wchan)
 *   72   pid_t ki_pid
 *   104  4 x sigset_t (16 bytes each), uids, 168..191
 *   192  gid_t ki_groups[16]
 *   256  vm_size_t ki_size, 5 x segsz_t (int64), 2 x u_short, 5 x u_int 308..327
 *   328  uint64_t ki_runtime
 *   336  struct timeval ki_start       (tv_sec int64 at 336, tv_usec long at 344)
 *   352  struct timeval ki_childtime, long ki_flag 368, long ki_kiflag 376,
 *        int ki_traceflag 384
 *   388  char ki_stat                  (SIDL 1, SRUN 2, SSLEEP 3, SSTOP 4, SZOMB 5, SWAIT 6, SLOCK 7)
 *   389  ki_nice, ki_lock, ki_rqindex, ki_oncpu_old, ki_lastcpu_old (to 394)
 *   394  strings: tdname 17, wmesg 9, login 18, lockname 9, comm 20, emul 17,
 *        loginclass 18, moretdname 4, sparestrings 46 (to 552)
 *   552  int ki_spareints[2], uint64_t ki_tdev 560, ints oncpu 568, lastcpu 572,
 *        tracer 576, flag2 580, fibnum 584, cr_flags 588
 *   592  int ki_jid
 *   596  ki_numthreads, 600 ki_tid, 604 struct priority, 608 2 x struct rusage
 *        (144 each), 896 5 pointers, 5 spare pointers, 12 spare longs,
 *        ki_sflag, ki_tdflags: 1088 in all, which checks the sum.
 *
 * Pure.
 */
import { endianness } from 'node:os';
import { PROC_STAT, STRUCTS, SYSCTL } from './abi.js';

const K = STRUCTS.kinfo_proc;
const TV = STRUCTS.timeval;
export const KINFO_PROC_SIZE: number = K.size;
export const KI = {
  structsize: K.fields.ki_structsize.offset,
  pid: K.fields.ki_pid.offset,
  startSec: K.fields.ki_start.offset + TV.fields.tv_sec.offset,
  startUsec: K.fields.ki_start.offset + TV.fields.tv_usec.offset,
  stat: K.fields.ki_stat.offset,
  jid: K.fields.ki_jid.offset,
} as const;
export const SZOMB = PROC_STAT.SZOMB;

/** sysctl MIB: CTL_KERN.KERN_PROC.KERN_PROC_PID.<pid> and CTL_KERN.KERN_PROC.KERN_PROC_PROC (every process, no threads). */
export const { CTL_KERN, KERN_PROC, KERN_PROC_PID, KERN_PROC_PROC, KERN_BOOTTIME } = SYSCTL;

export interface KinfoProc {
  pid: number;
  jid: number;
  startSec: number;
  startUsec: number;
  stat: number;
}

export function decodeKinfoProcs(buf: Buffer, len: number): KinfoProc[] {
  const le = endianness() === 'LE';
  const i32 = (o: number) => (le ? buf.readInt32LE(o) : buf.readInt32BE(o));
  const i64 = (o: number) => Number(le ? buf.readBigInt64LE(o) : buf.readBigInt64BE(o));
  if (len % KINFO_PROC_SIZE !== 0) throw new Error(`kern.proc returned ${len} bytes, not a multiple of ${KINFO_PROC_SIZE}`);
  const out: KinfoProc[] = [];
  for (let o = 0; o < len; o += KINFO_PROC_SIZE) {
    const size = i32(o + KI.structsize);
    if (size !== KINFO_PROC_SIZE) throw new Error(`struct kinfo_proc is ${size} bytes on this system, runj knows the ${KINFO_PROC_SIZE}-byte layout`);
    out.push({
      pid: i32(o + KI.pid),
      jid: i32(o + KI.jid),
      startSec: i64(o + KI.startSec),
      startUsec: i64(o + KI.startUsec),
      stat: buf.readUInt8(o + KI.stat),
    });
  }
  return out;
}

/** A struct timeval (kern.boottime) in host byte order. */
export function decodeTimeval(buf: Buffer): { sec: number; usec: number } {
  const le = endianness() === 'LE';
  const at = (o: number) => Number(le ? buf.readBigInt64LE(o) : buf.readBigInt64BE(o));
  return { sec: at(TV.fields.tv_sec.offset), usec: at(TV.fields.tv_usec.offset) };
}

/**
 * The opaque start-time token of ProcessInfo: "<jid>:<sec>.<usec>", the
 * start as time since boot. The kernel keeps p_start in uptime and reports
 * ki_start = p_start + the boot-time estimate (kern_proc.c
 * fill_kinfo_proc_only: timevaladd(&kp->ki_start, &boottime)); stepping the
 * clock (settimeofday, ntpdate) moves that estimate, so ki_start alone
 * would call a live container stopped. Subtracting kern.boottime read
 * around the same sysctl recovers p_start exactly; the jail id tells a
 * reused pid in another jail apart.
 */
export function startToken(p: KinfoProc, boot: { sec: number; usec: number }): string {
  let sec = p.startSec - boot.sec;
  let usec = p.startUsec - boot.usec;
  if (usec < 0) {
    sec -= 1;
    usec += 1_000_000;
  }
  return `${p.jid}:${sec}.${String(usec).padStart(6, '0')}`;
}
