/* ---- file system calls: FreeBSD's ABI over the test's real files ----
 *
 * runj resolves mount points with openat/mkdirat/fstatat/readlinkat from a
 * root fd and checks mounts with statfs/fstatfs/getfsstat. These take
 * FreeBSD's flag values, errno numbers and struct layouts (LP64), and work
 * on the Linux files of the test through raw system calls (the Linux libc
 * functions of the same names are not used: this library defines them).
 * statfs(2) answers from the mounts recorded by nmount, over a root file
 * system; nothing is really mounted. Not logged: the log keeps the
 * jail/mount calls the tests compare. */

#include "jailtest.h"

/* FreeBSD's mode_t (sys/_types.h: __uint16_t). */
typedef uint16_t f_mode_t;

/* Linux errno -> FreeBSD errno (sys/errno.h) for what these calls return. */
static int fbsd_errno(int e, int nofollow)
{
	switch (e) {
	case ELOOP:
		/* sys/kern/vfs_vnops.c, vn_open_cred(): O_NOFOLLOW on a symlink is EMLINK. */
		return nofollow ? F_EMLINK : F_ELOOP;
	case ENAMETOOLONG: return F_ENAMETOOLONG;
	case ENOTEMPTY: return F_ENOTEMPTY;
	case EAGAIN: return F_EAGAIN;
	default: return e; /* 1..34 are the same numbers */
	}
}

int jt_sysret(long r, int nofollow)
{
	if (r < 0) {
		errno = fbsd_errno(errno, nofollow);
		return -1;
	}
	return (int)r;
}

int openat(int fd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	int mode = (flags & F_O_CREAT) ? va_arg(ap, int) : 0;
	va_end(ap);
	int lf = (flags & F_O_ACCMODE) | (flags & F_O_NOFOLLOW ? O_NOFOLLOW : 0) | (flags & F_O_CREAT ? O_CREAT : 0) |
		 (flags & F_O_EXCL ? O_EXCL : 0) | (flags & F_O_TRUNC ? O_TRUNC : 0) | (flags & F_O_NONBLOCK ? O_NONBLOCK : 0) |
		 (flags & F_O_DIRECTORY ? O_DIRECTORY : 0) | (flags & F_O_CLOEXEC ? O_CLOEXEC : 0);
	return jt_sysret(syscall(SYS_openat, fd, path, lf, mode), (flags & F_O_NOFOLLOW) != 0);
}

int mkdirat(int fd, const char *path, f_mode_t mode)
{
	return jt_sysret(syscall(SYS_mkdirat, fd, path, mode), 0);
}

int close(int fd)
{
	return jt_sysret(syscall(SYS_close, fd), 0);
}

long readlinkat(int fd, const char *path, char *buf, size_t size)
{
	long r = syscall(SYS_readlinkat, fd, path, buf, size);
	return r < 0 ? jt_sysret(r, 0) : r;
}

/* struct stat of FreeBSD 12+ (LP64), the fields a test can look at. */
static int put_stat(long r, const struct statx *x, unsigned char *out)
{
	if (r < 0)
		return jt_sysret(r, 0);
	memset(out, 0, F_SIZEOF_stat);
	uint64_t dev = ((uint64_t)x->stx_dev_major << 32) | x->stx_dev_minor, ino = x->stx_ino, nlink = x->stx_nlink;
	f_mode_t mode = x->stx_mode;
	int64_t size = (int64_t)x->stx_size;
	memcpy(out + F_OFF_stat_st_dev, &dev, 8);
	memcpy(out + F_OFF_stat_st_ino, &ino, 8);
	memcpy(out + F_OFF_stat_st_nlink, &nlink, 8);
	memcpy(out + F_OFF_stat_st_mode, &mode, sizeof mode);
	memcpy(out + F_OFF_stat_st_uid, &x->stx_uid, 4);
	memcpy(out + F_OFF_stat_st_gid, &x->stx_gid, 4);
	memcpy(out + F_OFF_stat_st_size, &size, 8);
	return 0;
}

int fstatat(int fd, const char *path, void *buf, int flag)
{
	struct statx x;
	int lflags = flag & F_AT_SYMLINK_NOFOLLOW ? AT_SYMLINK_NOFOLLOW : 0;
	return put_stat(syscall(SYS_statx, fd, path, lflags, STATX_BASIC_STATS, &x), &x, buf);
}

int fstat(int fd, void *buf)
{
	struct statx x;
	return put_stat(syscall(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &x), &x, buf);
}
