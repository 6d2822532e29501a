/* libjailtest's shared state and helpers: the files of the double (jailtest.c
 * log, faults and test hooks; jail.c, param.c, mount.c, fs.c, proc.c, rctl.c)
 * share them; everything else stays static in its file. */
#ifndef JAILTEST_H
#define JAILTEST_H

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fcntl.h>
#include <linux/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>

/* FreeBSD errno values (sys/errno.h). */
#define F_EPERM 1
#define F_ENOENT 2
#define F_ESRCH 3
#define F_ENOMEM 12
#define F_EEXIST 17
#define F_EINVAL 22
#define F_EMLINK 31
#define F_EAGAIN 35
#define F_ELOOP 62
#define F_ENAMETOOLONG 63
#define F_ENOTEMPTY 66

/* JAIL_* and the prototypes the functions below must match. */
#include "include/sys/jail.h"

#define MAXJAILS 64
#define MAXPARAMS 64
#define MAXMOUNTS 128
#define MAXPROCS 64
#define MAXFAULTS 64
#define KINFO_PROC_SIZE 1088

struct param {
	char name[64];
	unsigned char *value; /* NULL: boolean */
	size_t len;
};

struct jail {
	int used;
	int jid;
	char name[256];
	int nparams;
	struct param params[MAXPARAMS];
};

struct mnt {
	char fstype[32];
	char fspath[1024]; /* f_mntonname: the covered directory's path, symlinks followed */
	char from[1024];   /* f_mntfromname: nullfs's target, else "from" (or the fstype) */
	int fsid[2];
};

/* start is p_start: uptime at fork (kern_fork.c), which no clock step moves. */
struct proc {
	int pid, jid, stat;
	int64_t sec, usec;
};

struct fault {
	char fn[32];
	int skip, err;
	char msg[256];
};

struct req {
	const struct iovec *iov;
	unsigned niov;
	char *errmsg;
	size_t errlen;
};

long syscall(long number, ...);

/* FreeBSD's numbers, F_<name> for a constant, F_SIZEOF_<struct> and
 * F_OFF_<struct>_<field> for a layout: scripts/abi-check.mjs checks each
 * against the Rust libc crate and Go's x/sys/unix, as it does abi.ts. */
#define F_MNT_BYFSID 0x08000000
#define F_AT_FDCWD (-100)
#define F_AT_SYMLINK_NOFOLLOW 0x200
#define F_O_ACCMODE 0x3
#define F_O_NONBLOCK 0x4
#define F_O_NOFOLLOW 0x100
#define F_O_CREAT 0x200
#define F_O_TRUNC 0x400
#define F_O_EXCL 0x800
#define F_O_DIRECTORY 0x20000
#define F_O_CLOEXEC 0x100000
#define F_SIZEOF_stat 224
#define F_OFF_stat_st_dev 0
#define F_OFF_stat_st_ino 8
#define F_OFF_stat_st_nlink 16
#define F_OFF_stat_st_mode 24
#define F_OFF_stat_st_uid 28
#define F_OFF_stat_st_gid 32
#define F_OFF_stat_st_size 112
#define F_SIZEOF_statfs 2344
#define F_OFF_statfs_f_version 0
#define F_OFF_statfs_f_fsid 192
#define F_OFF_statfs_f_fstypename 280
#define F_OFF_statfs_f_mntfromname 296
#define F_OFF_statfs_f_mntonname 1320
#define F_MFSNAMELEN 16
#define F_MNAMELEN 1024
/* sys/mount.h STATFS_VERSION (neither source has it, so no F_). */
#define STATFS_VERSION 0x20140518

/* FreeBSD errno values rctl(2) returns (sys/errno.h). */
#define F_ENOSYS 78
#define F_ERANGE 34

/* Shared between the files only: not part of the library's ABI. */
#pragma GCC visibility push(hidden)

extern struct jail jt_jails[MAXJAILS];
extern struct mnt jt_mounts[MAXMOUNTS];
extern int jt_nmounts;
extern struct proc jt_procs[MAXPROCS];
extern int jt_nprocs;

void jt_logf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void jt_log_value(const unsigned char *v, size_t len);
void jt_log_iov(const char *call, const struct iovec *iov, unsigned niov, int flags);
struct fault *jt_take_fault(const char *fn);
int jt_fail(struct req *r, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int jt_parse_req(struct req *r, const struct iovec *iov, unsigned niov);
const struct iovec *jt_find(const struct req *r, const char *name);

struct pdef;
const struct pdef *jt_pdef_of(const char *name);
int jt_check_value(struct req *r, const char *name, const struct iovec *v);
int jt_get_int(const struct jail *j, const char *name, int dflt);
void jt_store(struct jail *j, const char *name, const struct iovec *v);

int jt_sysret(long r, int nofollow);

/* Each file's part of jailtest_reset(). */
void jt_jail_reset(void);
void jt_mount_reset(void);
void jt_proc_reset(void);
void jt_rctl_reset(void);

#pragma GCC visibility pop

#endif
