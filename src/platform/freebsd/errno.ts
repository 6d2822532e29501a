/**
 * FreeBSD errno numbers (sys/errno.h, intro(2)); they differ from Linux's
 * above 34 (EAGAIN is 35 on FreeBSD, 11 on Linux). Pure.
 */
export const FREEBSD_ERRNO: Readonly<Record<number, [name: string, text: string]>> = {
  1: ['EPERM', 'Operation not permitted'],
  2: ['ENOENT', 'No such file or directory'],
  3: ['ESRCH', 'No such process'],
  4: ['EINTR', 'Interrupted system call'],
  5: ['EIO', 'Input/output error'],
  6: ['ENXIO', 'Device not configured'],
  7: ['E2BIG', 'Argument list too long'],
  9: ['EBADF', 'Bad file descriptor'],
  12: ['ENOMEM', 'Cannot allocate memory'],
  13: ['EACCES', 'Permission denied'],
  14: ['EFAULT', 'Bad address'],
  16: ['EBUSY', 'Device busy'],
  17: ['EEXIST', 'File exists'],
  18: ['EXDEV', 'Cross-device link'],
  19: ['ENODEV', 'Operation not supported by device'],
  20: ['ENOTDIR', 'Not a directory'],
  21: ['EISDIR', 'Is a directory'],
  22: ['EINVAL', 'Invalid argument'],
  24: ['EMFILE', 'Too many open files'],
  28: ['ENOSPC', 'No space left on device'],
  30: ['EROFS', 'Read-only file system'],
  35: ['EAGAIN', 'Resource temporarily unavailable'],
  45: ['EOPNOTSUPP', 'Operation not supported'],
  47: ['EAFNOSUPPORT', 'Address family not supported by protocol family'],
  48: ['EADDRINUSE', 'Address already in use'],
  49: ['EADDRNOTAVAIL', "Can't assign requested address"],
  62: ['ELOOP', 'Too many levels of symbolic links'],
  63: ['ENAMETOOLONG', 'File name too long'],
  66: ['ENOTEMPTY', 'Directory not empty'],
  67: ['EPROCLIM', 'Too many processes'],
  78: ['ENOSYS', 'Function not implemented'],
  79: ['EFTYPE', 'Inappropriate file type or format'],
  93: ['ENOTCAPABLE', 'Capabilities insufficient'],
  94: ['ECAPMODE', 'Not permitted in capability mode'],
  97: ['EINTEGRITY', 'Integrity check failed'],
};

/** The symbolic name of a FreeBSD errno ("EEXIST"), or "errno N" for one not in the table. */
export function errnoName(n: number): string {
  return FREEBSD_ERRNO[n]?.[0] ?? `errno ${n}`;
}

export function errnoText(n: number): string {
  return FREEBSD_ERRNO[n]?.[1] ?? `error ${n}`;
}

/** Numbers the runtime tests against. */
export const E = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, ENOMEM: 12, EBUSY: 16, EEXIST: 17, EINVAL: 22, EROFS: 30, EAGAIN: 35,
} as const;
