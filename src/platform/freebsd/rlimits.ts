/**
 * OCI rlimit names → FreeBSD RLIMIT_* numbers (abi.ts: sys/resource.h,
 * getrlimit(2)). RLIMIT_AS is an alias of RLIMIT_VMEM. Linux-only limits
 * (RLIMIT_LOCKS, RLIMIT_SIGPENDING, RLIMIT_MSGQUEUE, RLIMIT_NICE,
 * RLIMIT_RTPRIO, RLIMIT_RTTIME) are absent: asking for one is an error, as
 * a limit that is silently not applied would let the process use more than
 * configured.
 */
import { RLIMITS } from './abi.js';

export const FREEBSD_RLIMITS: Readonly<Record<string, number>> = RLIMITS;
