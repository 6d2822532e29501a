/**
 * OCI rlimit names → FreeBSD RLIMIT_* numbers (sys/resource.h, getrlimit(2)).
 * RLIMIT_AS is an alias of RLIMIT_VMEM. Linux-only limits (RLIMIT_LOCKS,
 * RLIMIT_SIGPENDING, RLIMIT_MSGQUEUE, RLIMIT_NICE, RLIMIT_RTPRIO,
 * RLIMIT_RTTIME) are absent: asking for one is an error, as a limit that is
 * silently not applied would let the process use more than configured.
 */
export const FREEBSD_RLIMITS: Readonly<Record<string, number>> = {
  RLIMIT_CPU: 0,
  RLIMIT_FSIZE: 1,
  RLIMIT_DATA: 2,
  RLIMIT_STACK: 3,
  RLIMIT_CORE: 4,
  RLIMIT_RSS: 5,
  RLIMIT_MEMLOCK: 6,
  RLIMIT_NPROC: 7,
  RLIMIT_NOFILE: 8,
  RLIMIT_SBSIZE: 9,
  RLIMIT_VMEM: 10,
  RLIMIT_AS: 10,
  RLIMIT_NPTS: 11,
  RLIMIT_SWAP: 12,
  RLIMIT_KQUEUES: 13,
  RLIMIT_UMTXP: 14,
};
