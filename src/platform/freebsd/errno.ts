/**
 * FreeBSD errno names and texts for messages; the numbers live in abi.ts
 * (sys/errno.h, checked by scripts/abi-check.mjs). Pure.
 */
import { ERRNO } from './abi.js';

export const FREEBSD_ERRNO = ERRNO;

/** The symbolic name of a FreeBSD errno ("EEXIST"), or "errno N" for one not in the table. */
export function errnoName(n: number): string {
  return FREEBSD_ERRNO[n]?.[0] ?? `errno ${n}`;
}

export function errnoText(n: number): string {
  return FREEBSD_ERRNO[n]?.[1] ?? `error ${n}`;
}

function numberOf(name: string): number {
  for (const [n, [nm]] of Object.entries(ERRNO)) if (nm === name) return Number(n);
  throw new Error(`errno ${name} is not in abi.ts`);
}

/** Numbers the runtime tests against. */
export const E = {
  EPERM: numberOf('EPERM'),
  ENOENT: numberOf('ENOENT'),
  ESRCH: numberOf('ESRCH'),
  ENOMEM: numberOf('ENOMEM'),
  EBUSY: numberOf('EBUSY'),
  EEXIST: numberOf('EEXIST'),
  ENOTDIR: numberOf('ENOTDIR'),
  EINVAL: numberOf('EINVAL'),
  EROFS: numberOf('EROFS'),
  EMLINK: numberOf('EMLINK'),
  EAGAIN: numberOf('EAGAIN'),
  ERANGE: numberOf('ERANGE'),
  ELOOP: numberOf('ELOOP'),
  ENOSYS: numberOf('ENOSYS'),
} as const;
