/** OCI rlimit names → Linux RLIMIT_* numbers and helper values. Pure. */
import { invalid } from '../../runtime/errors.js';

export const RLIMITS: Record<string, number> = {
  RLIMIT_CPU: 0, RLIMIT_FSIZE: 1, RLIMIT_DATA: 2, RLIMIT_STACK: 3, RLIMIT_CORE: 4, RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6, RLIMIT_NOFILE: 7, RLIMIT_MEMLOCK: 8, RLIMIT_AS: 9, RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11, RLIMIT_MSGQUEUE: 12, RLIMIT_NICE: 13, RLIMIT_RTPRIO: 14, RLIMIT_RTTIME: 15,
};

/** uint64 max (RLIM_INFINITY) arrives as 2^64 after JSON parsing: anything from 2^63 up is infinity. */
export function limitValue(n: number): string {
  return n >= 2 ** 63 ? '-1' : String(n);
}

export function rlimitRecords(
  rlimits: readonly { type: string; soft: number; hard: number }[],
  table: Record<string, number>,
): (string | number)[][] {
  return rlimits.map((r, i) => {
    const resource = table[r.type];
    if (resource === undefined) throw invalid(`config.json: /process/rlimits/${i}/type: unknown rlimit "${r.type}"`);
    if (r.soft > r.hard) throw invalid(`config.json: /process/rlimits/${i}: soft limit exceeds hard limit`);
    return ['rlimit', resource, limitValue(r.soft), limitValue(r.hard)];
  });
}
