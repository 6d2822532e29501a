/* libjailtest: nmount(2), unmount(2), getfsstat(2), statfs(2), fstatfs(2) over the recorded mounts. */
#include "jailtest.h"

struct mnt jt_mounts[MAXMOUNTS];
int jt_nmounts;
static int next_fsid = 1;

/* The test hook's swap: at the next nmount, `dir` becomes a symlink to
 * `target` before the kernel looks fspath up (a racing process renamed a
 * prepared symlink over it); with `back`, the directory returns right after
 * the mount. */
static struct {
	int armed, back;
	char dir[1024], target[1024], aside[1100];
} swap;

static void swap_in(void)
{
	if (!swap.armed)
		return;
	snprintf(swap.aside, sizeof swap.aside, "%s.jailtest-aside", swap.dir);
	if (rename(swap.dir, swap.aside) < 0 || syscall(SYS_symlinkat, swap.target, AT_FDCWD, swap.dir) < 0)
		abort();
}

static void swap_back(void)
{
	if (!swap.armed)
		return;
	swap.armed = 0;
	if (swap.back && (syscall(SYS_unlinkat, AT_FDCWD, swap.dir, 0) < 0 || rename(swap.aside, swap.dir) < 0))
		abort();
}

void jailtest_swap_on_nmount(const char *dir, const char *target, int back)
{
	snprintf(swap.dir, sizeof swap.dir, "%s", dir);
	snprintf(swap.target, sizeof swap.target, "%s", target);
	swap.back = back;
	swap.armed = 1;
}

static const struct mnt root_fs = { "ufs", "/", "/dev/ada0p2", { 0x5eed, 0x35 } };

/* The mount a resolved path is in: the last one whose f_mntonname is the
 * path or a directory above it, else the root file system. */
static const struct mnt *mount_of(const char *real)
{
	const struct mnt *best = &root_fs;
	size_t bestlen = 0;
	for (int i = 0; i < jt_nmounts; i++) {
		size_t n = strlen(jt_mounts[i].fspath);
		if (strncmp(real, jt_mounts[i].fspath, n) == 0 && (real[n] == '/' || real[n] == 0) && n >= bestlen) {
			best = &jt_mounts[i];
			bestlen = n;
		}
	}
	return best;
}

/* struct statfs of FreeBSD 12+, the fields runj reads and f_version. */
static void put_statfs(const struct mnt *m, unsigned char *out)
{
	memset(out, 0, F_SIZEOF_statfs);
	uint32_t version = STATFS_VERSION;
	memcpy(out + F_OFF_statfs_f_version, &version, 4);
	memcpy(out + F_OFF_statfs_f_fsid, m->fsid, 8);
	snprintf((char *)out + F_OFF_statfs_f_fstypename, F_MFSNAMELEN, "%.15s", m->fstype);
	snprintf((char *)out + F_OFF_statfs_f_mntfromname, F_MNAMELEN, "%s", m->from);
	snprintf((char *)out + F_OFF_statfs_f_mntonname, F_MNAMELEN, "%s", m->fspath);
}

int statfs(const char *path, void *buf)
{
	char real[4096];
	if (!realpath(path, real)) /* statfs(2) follows symlinks: namei(FOLLOW) in kern_statfs() */
		return jt_sysret(-1, 0);
	put_statfs(mount_of(real), buf);
	return 0;
}

int fstatfs(int fd, void *buf)
{
	char link[64], real[4096];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	long n = syscall(SYS_readlinkat, AT_FDCWD, link, real, sizeof real - 1);
	if (n < 0)
		return jt_sysret(n, 0);
	real[n] = 0;
	put_statfs(mount_of(real), buf);
	return 0;
}

/* getfsstat(2): the root file system, then the mounts in mount order. With
 * no buffer, the count; else as many as fit. */
int getfsstat(void *buf, long bufsize, int mode)
{
	(void)mode;
	int total = jt_nmounts + 1;
	if (!buf)
		return total;
	int fit = (int)(bufsize / F_SIZEOF_statfs), n = 0;
	for (; n < total && n < fit; n++)
		put_statfs(n == 0 ? &root_fs : &jt_mounts[n - 1], (unsigned char *)buf + (size_t)n * F_SIZEOF_statfs);
	return n;
}

int nmount(struct iovec *iov, unsigned int niov, int flags)
{
	struct req r;
	jt_log_iov("nmount", iov, niov, flags);
	if (jt_parse_req(&r, iov, niov) < 0)
		return -1;
	struct fault *f = jt_take_fault("nmount");
	if (f)
		return jt_fail(&r, f->err, "%s", f->msg);
	const struct iovec *fstype = jt_find(&r, "fstype");
	const struct iovec *fspath = jt_find(&r, "fspath");
	if (!fstype || !fspath || !fstype->iov_base || !fspath->iov_base)
		return jt_fail(&r, F_EINVAL, "fstype and fspath are required");
	if (jt_nmounts == MAXMOUNTS)
		return jt_fail(&r, F_ENOMEM, "mount table full");
	struct mnt *m = &jt_mounts[jt_nmounts];
	snprintf(m->fstype, sizeof m->fstype, "%s", (const char *)fstype->iov_base);
	swap_in();
	/* sys/kern/vfs_mount.c, vfs_domount(): fspath is looked up with
	 * namei(FOLLOW), so a symlink swapped in on the way is followed, and
	 * vn_path_to_global_path() (vfs_cache.c) stores the covered vnode's
	 * global path as f_mntonname. Modelled with realpath(3) on the test's
	 * files; a path that does not exist is recorded as given. */
	if (!realpath(fspath->iov_base, m->fspath))
		snprintf(m->fspath, sizeof m->fspath, "%s", (const char *)fspath->iov_base);
	const struct iovec *from = jt_find(&r, strcmp(m->fstype, "nullfs") == 0 ? "target" : "from");
	snprintf(m->from, sizeof m->from, "%s", from && from->iov_base ? (const char *)from->iov_base : m->fstype);
	m->fsid[0] = 0x1000 + next_fsid++;
	m->fsid[1] = 0x3a; /* a per-type value in the kernel's vfs_getnewfsid() */
	jt_nmounts++;
	swap_back();
	jt_logf("  -> 0\n");
	return 0;
}

int unmount(const char *dir, int flags)
{
	jt_logf("unmount \"%s\" flags=0x%x\n", dir, (unsigned)flags);
	struct fault *f = jt_take_fault("unmount");
	if (f)
		return jt_fail(NULL, f->err, NULL);
	/* sys/kern/vfs_mount.c, kern_unmount(): with MNT_BYFSID the path is
	 * "FSID:<val0>:<val1>" (decimal) and names the mount by its fsid, which
	 * reaches a mount whatever its path became; otherwise the path is looked
	 * up (symlinks followed) and must be a mount's root. Either way the
	 * mount list is searched last mounted first (TAILQ_FOREACH_REVERSE), so
	 * of mounts stacked on one path the top one goes. No such mount is
	 * ENOENT by fsid and EINVAL by path (sys_unmount: a path cannot tell a
	 * missing directory from one that is not a mount point). */
	int byfsid = (flags & F_MNT_BYFSID) != 0, fsid[2] = {0, 0};
	char real[1024];
	if (byfsid && sscanf(dir, "FSID:%d:%d", &fsid[0], &fsid[1]) != 2)
		return jt_fail(NULL, F_EINVAL, NULL);
	if (!byfsid && realpath(dir, real))
		dir = real;
	for (int i = jt_nmounts - 1; i >= 0; i--) {
		if (byfsid ? jt_mounts[i].fsid[0] != fsid[0] || jt_mounts[i].fsid[1] != fsid[1] : strcmp(jt_mounts[i].fspath, dir) != 0)
			continue;
		memmove(&jt_mounts[i], &jt_mounts[i + 1], (size_t)(jt_nmounts - i - 1) * sizeof jt_mounts[0]);
		jt_nmounts--;
		jt_logf("  -> 0\n");
		return 0;
	}
	return jt_fail(NULL, byfsid ? F_ENOENT : F_EINVAL, NULL);
}

void jt_mount_reset(void)
{
	next_fsid = 1;
	swap.armed = 0;
	jt_nmounts = 0;
}
