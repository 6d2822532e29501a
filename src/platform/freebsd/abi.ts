/**
 * Every number of FreeBSD's binary interface the FreeBSD backend depends on,
 * in one place: struct layouts (LP64: amd64 and arm64 agree on all of them),
 * constants, errno and signal numbers, resource limits and the C prototypes
 * bound through koffi. The rest of the backend imports these; nothing else
 * spells an offset or a flag bit. scripts/abi-check.mjs checks each value
 * against two independent sources (the Rust libc crate and Go's
 * golang.org/x/sys/unix) for both architectures; a value no source carries
 * is listed in UNVERIFIED with the header it comes from. Pure.
 */

/** A field of a struct as C lays it out: byte offset and size. */
export interface FieldAbi {
  offset: number;
  size: number;
}
export interface StructAbi {
  size: number;
  fields: Readonly<Record<string, FieldAbi>>;
}

/** Only the fields runj reads or writes; the sizes are the whole structs'. */
export const STRUCTS = {
  /** sys/user.h: what kern.proc.* returns, one per process. */
  kinfo_proc: {
    size: 1088,
    fields: {
      ki_structsize: { offset: 0, size: 4 },
      ki_pid: { offset: 72, size: 4 },
      ki_start: { offset: 336, size: 16 },
      ki_stat: { offset: 388, size: 1 },
      ki_jid: { offset: 592, size: 4 },
    },
  },
  /** sys/_timeval.h: ki_start's type. */
  timeval: { size: 16, fields: { tv_sec: { offset: 0, size: 8 }, tv_usec: { offset: 8, size: 8 } } },
  /** netinet/in.h: ip4.addr is an array of these (network byte order). */
  in_addr: { size: 4, fields: { s_addr: { offset: 0, size: 4 } } },
  /** netinet6/in6.h: ip6.addr is an array of these. */
  in6_addr: { size: 16, fields: { s6_addr: { offset: 0, size: 16 } } },
  /** sys/_iovec.h: jail_set(2), jail_get(2) and nmount(2) take arrays of these. */
  iovec: { size: 16, fields: { iov_base: { offset: 0, size: 8 }, iov_len: { offset: 8, size: 8 } } },
  /** sys/stat.h (FreeBSD 12+, 64-bit ino_t): what fstat(2) and fstatat(2) fill; st_mode is a 16-bit mode_t. */
  stat: {
    size: 224,
    fields: {
      st_dev: { offset: 0, size: 8 },
      st_ino: { offset: 8, size: 8 },
      st_mode: { offset: 24, size: 2 },
    },
  },
  /**
   * sys/mount.h (FreeBSD 12+): what statfs(2), fstatfs(2) and getfsstat(2)
   * fill; f_fsid is an fsid_t, two int32s; the names are NUL-padded
   * (MFSNAMELEN 16, MNAMELEN 1024).
   */
  statfs: {
    size: 2344,
    fields: {
      f_fsid: { offset: 192, size: 8 },
      f_fstypename: { offset: 280, size: 16 },
      f_mntfromname: { offset: 296, size: 1024 },
      f_mntonname: { offset: 1320, size: 1024 },
    },
  },
} as const satisfies Record<string, StructAbi>;

/**
 * Buffer lengths with the NUL: jail names and host.* strings (sys/param.h),
 * interface names (net/if.h), paths (sys/syslimits.h; a symlink's target
 * is at most PATH_MAX - 1 bytes, so readlinkat(2) into PATH_MAX is whole).
 */
export const LIMITS = { MAXHOSTNAMELEN: 256, IFNAMSIZ: 16, PATH_MAX: 1024 } as const;

/** The highest devfs ruleset number (kern_jail.c: "devfs_rsnum is a uint16_t"). */
export const DEVFS_RULESET_MAX = 65535;

/** sizeof(size_t), sysctl's *oldlenp. */
export const SIZE_T = 8;

/** sys/jail.h: jail_set(2)/jail_get(2) flags and the JAIL_SYS_* values of jailsys parameters. */
export const JAIL = { CREATE: 0x01, UPDATE: 0x02, ATTACH: 0x04, DYING: 0x08, SYS_DISABLE: 0, SYS_NEW: 1, SYS_INHERIT: 2 } as const;

/** sys/mount.h flag bits that fit nmount(2)'s and unmount(2)'s int flags argument. */
export const MNT = {
  RDONLY: 0x1,
  SYNCHRONOUS: 0x2,
  NOEXEC: 0x4,
  NOSUID: 0x8,
  ASYNC: 0x40,
  UPDATE: 0x10000,
  FORCE: 0x80000,
  NOSYMFOLLOW: 0x400000,
  NOATIME: 0x10000000,
} as const;

/** sys/mount.h: unmount(2) by "FSID:<val0>:<val1>" rather than by path; getfsstat(2)'s modes. */
export const MNT_BYFSID = 0x08000000;
export const MNT_WAIT = 1;
export const MNT_NOWAIT = 2;

/** sys/fcntl.h open(2)/openat(2) flags (O_RDONLY is 0; O_ACCMODE is 3). */
export const O = {
  RDONLY: 0,
  WRONLY: 1,
  NONBLOCK: 0x4,
  NOFOLLOW: 0x100,
  CREAT: 0x200,
  TRUNC: 0x400,
  EXCL: 0x800,
  DIRECTORY: 0x20000,
  CLOEXEC: 0x100000,
} as const;

/** sys/fcntl.h: the *at(2) calls' "relative to the cwd" fd and fstatat(2)'s flag. */
export const AT = { FDCWD: -100, SYMLINK_NOFOLLOW: 0x200 } as const;

/** sys/stat.h st_mode file types. */
export const S_IF = { MT: 0o170000, IFO: 0o010000, DIR: 0o040000, REG: 0o100000, LNK: 0o120000 } as const;

/** sys/param.h: symlinks namei(9) follows in one lookup before ELOOP. */
export const MAXSYMLINKS = 32;

/** sys/sysctl.h MIB names: CTL_KERN.KERN_PROC.{KERN_PROC_PID.<pid>, KERN_PROC_PROC}, CTL_KERN.KERN_BOOTTIME. */
export const SYSCTL = { CTL_KERN: 1, KERN_PROC: 14, KERN_PROC_PID: 1, KERN_PROC_PROC: 8, KERN_BOOTTIME: 21 } as const;

/** sys/proc.h p_state values as kinfo_proc's ki_stat reports them. */
export const PROC_STAT = { SIDL: 1, SRUN: 2, SSLEEP: 3, SSTOP: 4, SZOMB: 5, SWAIT: 6, SLOCK: 7 } as const;

/** sys/errno.h (intro(2)); they differ from Linux's above 34 (EAGAIN is 35 on FreeBSD, 11 on Linux). */
export const ERRNO: Readonly<Record<number, [name: string, text: string]>> = {
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
  31: ['EMLINK', 'Too many links'],
  34: ['ERANGE', 'Result too large'],
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

// sys/signal.h: in signals.ts (the runtime's signal parsing loads it on every platform).
export { SIGNALS, SIGRTMAX, SIGRTMIN } from './signals.js';

/** sys/resource.h RLIMIT_* (getrlimit(2)); RLIMIT_AS is an alias of RLIMIT_VMEM. */
export const RLIMITS: Readonly<Record<string, number>> = {
  RLIMIT_CPU: 0, RLIMIT_FSIZE: 1, RLIMIT_DATA: 2, RLIMIT_STACK: 3, RLIMIT_CORE: 4, RLIMIT_RSS: 5,
  RLIMIT_MEMLOCK: 6, RLIMIT_NPROC: 7, RLIMIT_NOFILE: 8, RLIMIT_SBSIZE: 9, RLIMIT_VMEM: 10, RLIMIT_AS: 10,
  RLIMIT_NPTS: 11, RLIMIT_SWAP: 12, RLIMIT_KQUEUES: 13, RLIMIT_UMTXP: 14,
};

/** The libc functions Node binds through koffi (koffi's C syntax). */
export const PROTOTYPES = {
  jail_set: 'int jail_set(void *iov, unsigned int niov, int flags)',
  jail_get: 'int jail_get(void *iov, unsigned int niov, int flags)',
  jail_remove: 'int jail_remove(int jid)',
  nmount: 'int nmount(void *iov, unsigned int niov, int flags)',
  unmount: 'int unmount(const char *dir, int flags)',
  kill: 'int kill(int pid, int sig)',
  sysctl: 'int sysctl(const int *name, unsigned int namelen, void *oldp, void *oldlenp, const void *newp, size_t newlen)',
  sysctlbyname: 'int sysctlbyname(const char *name, void *oldp, void *oldlenp, const void *newp, size_t newlen)',
  rctl_add_rule: 'int rctl_add_rule(const void *inbufp, size_t inbuflen, void *outbufp, size_t outbuflen)',
  rctl_remove_rule: 'int rctl_remove_rule(const void *inbufp, size_t inbuflen, void *outbufp, size_t outbuflen)',
  rctl_get_racct: 'int rctl_get_racct(const void *inbufp, size_t inbuflen, void *outbufp, size_t outbuflen)',
  rctl_get_rules: 'int rctl_get_rules(const void *inbufp, size_t inbuflen, void *outbufp, size_t outbuflen)',
  /** libc declares the mode variadic (read only with O_CREAT); a variadic mode_t is promoted to int. */
  openat: 'int openat(int fd, const char *path, int flags, ...)',
  /** mode_t is __uint16_t on FreeBSD (sys/_types.h), not Linux's 32 bits. */
  mkdirat: 'int mkdirat(int fd, const char *path, uint16_t mode)',
  close: 'int close(int fd)',
  /** ssize_t is long on LP64 (koffi has no ssize_t). */
  readlinkat: 'long readlinkat(int fd, const char *path, void *buf, size_t size)',
  fstat: 'int fstat(int fd, void *sb)',
  fstatat: 'int fstatat(int fd, const char *path, void *sb, int flag)',
  statfs: 'int statfs(const char *path, void *buf)',
  fstatfs: 'int fstatfs(int fd, void *buf)',
  getfsstat: 'int getfsstat(void *buf, long bufsize, int mode)',
} as const;

/**
 * Values neither source carries, with where they come from. The check
 * fails if one of these turns up in a source (then it is checked instead).
 */
export const UNVERIFIED: Readonly<Record<string, string>> = {
  SIGRTMIN: 'sys/signal.h SIGRTMIN 65: neither the libc crate nor x/sys/unix defines FreeBSD real-time signals',
  SIGRTMAX: 'sys/signal.h SIGRTMAX 126: as SIGRTMIN',
  DEVFS_RULESET_MAX: 'sys/kern/kern_jail.c and devfs: a ruleset number is a uint16_t; neither source describes devfs rulesets',
};
