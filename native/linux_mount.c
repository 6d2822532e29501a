/* Linux backend, filesystem half: the root's propagation, the mounts, /dev,
 * pivot_root, masked and read-only paths, the read-only root. */
#include "channel.h"
#include "helper.h"
#include "linux.h"
#include "linux_resolve.h"
#include "platform.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define PROPAGATION (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)
#define PROC_SUPER_MAGIC 0x9fa0
#define REOPEN_TRIES 1000

static char root[PATH_MAX];  /* the rootfs, symlinks resolved; "" for "/" */
/* The rootfs's O_PATH fd after its self-bind, and the magic-link path of
 * an fd (linux_shared.c): everything under the root is made through fds. */
#define rootfd linux_rootfd
#define fdpath linux_fdpath

/* The host path an fd is at now, "" when unknown. */
static void fd_link(int fd, char out[PATH_MAX])
{
	ssize_t n = readlink(fdpath(fd), out, PATH_MAX - 1);
	out[n < 0 ? 0 : n] = 0;
}

/* A file to mount a non-directory on, made with O_EXCL|O_NOFOLLOW in its
 * parent's fd; an existing one (or a directory) is opened inside the root. */
static int make_file(const char *dest)
{
	char name[NAME_MAX + 1];
	int dir = rs_parent(rootfd, dest, 0755, name);
	if (dir < 0)
		return -1;
	int fd = openat(dir, name, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST)
		fd = rs_open(rootfd, dest);
	int e = errno;
	close(dir);
	errno = e;
	return fd;
}

/* After mounting on fd, the destination again: the new mount's root, which
 * remounts and propagation changes need (fd itself stays on the covered
 * directory). It must be at the same place as fd (a swap may have moved the
 * path meanwhile: tried again while it does). */
static int reopen(const char *stage, const char *dest, int fd)
{
	char want[PATH_MAX], got[PATH_MAX];
	for (int i = 0; i < REOPEN_TRIES; i++) {
		int nfd = rs_open(rootfd, dest);
		if (nfd < 0)
			die_errno(stage, "mount %s: open the new mount", dest);
		fd_link(fd, want);
		fd_link(nfd, got);
		if (want[0] && strcmp(want, got) == 0)
			return nfd;
		close(nfd);
	}
	errno = EXDEV;
	die_errno(stage, "mount %s: the mount point kept moving while it was mounted", dest);
}

/* Per-mount flags a bind remount would otherwise reset. */
static unsigned long kept_flags(const char *path)
{
	struct statvfs sv;
	if (statvfs(path, &sv) < 0)
		return (unsigned long)-1;
	unsigned long f = 0;
	if (sv.f_flag & ST_NOSUID) f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV) f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME) f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME) f |= MS_RELATIME;
	return f;
}

/* A bind's flags take a remount. In a user namespace the kernel refuses to
 * clear the nosuid, nodev, noexec, read-only and atime flags the source
 * mount has (they are locked): on EPERM the remount is tried again with
 * them kept, as runc does. */
static int remount_bind(const char *dest, unsigned long flags)
{
	if (mount(NULL, dest, NULL, flags | MS_BIND | MS_REMOUNT, NULL) == 0)
		return 0;
	if (errno != EPERM || !linux_in_userns)
		return -1;
	unsigned long kept = kept_flags(dest), atime = MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME;
	if (kept == (unsigned long)-1)
		return errno = EPERM, -1;
	struct statvfs sv;
	if (statvfs(dest, &sv) == 0 && (sv.f_flag & ST_RDONLY))
		kept |= MS_RDONLY;
	if (mount(NULL, dest, NULL, (flags & ~atime) | kept | MS_BIND | MS_REMOUNT, NULL) == 0)
		return 0;
	return errno = EPERM, -1;
}

/* The kernel takes one propagation type per call; MS_REC goes with each. */
static void set_propagation(const struct mount_rec *m, const char *target, unsigned long pflags)
{
	static const unsigned long types[] = {MS_PRIVATE, MS_SLAVE, MS_SHARED, MS_UNBINDABLE};
	for (size_t i = 0; i < sizeof types / sizeof *types; i++)
		if ((pflags & types[i]) && mount(NULL, target, NULL, types[i] | (pflags & MS_REC), NULL) < 0)
			die_errno("mount", "mount %s: set propagation 0x%lx", m->dest, types[i] | (pflags & MS_REC));
}

static void do_mount(const struct mount_rec *m)
{
	unsigned long pflags = m->pflags | (m->flags & PROPAGATION);
	unsigned long flags = m->flags & ~PROPAGATION;
	int fd, top = -1, remount = 0;
	if (m->bind) {
		struct stat st;
		if (stat(m->source, &st) < 0)
			die_errno("mount", "mount %s on %s: stat source", m->source, m->dest);
		fd = S_ISDIR(st.st_mode) ? rs_mkdirs(rootfd, m->dest, 0755) : make_file(m->dest);
		if (fd < 0)
			die_errno("mount", "mount %s: create the mount point in the root", m->dest);
		if (mount(m->source, fdpath(fd), NULL, MS_BIND | (flags & MS_REC), NULL) < 0)
			die_errno("mount", "mount %s on %s", m->source, m->dest);
		/* A bind ignores the other flags: they take a remount. */
		remount = (flags & ~(unsigned long)(MS_BIND | MS_REC)) != 0;
	} else {
		/* A cgroup file system shows the cgroup namespace's root, which is the child's own
		 * cgroup only once the parent has moved it there (platform_placed waits for that,
		 * and unshares a new cgroup namespace then: linux_place.c). */
		if (strcmp(m->fstype, "cgroup") == 0 || strcmp(m->fstype, "cgroup2") == 0)
			platform_placed();
		fd = rs_mkdirs(rootfd, m->dest, 0755);
		if (fd < 0)
			die_errno("mount", "mount %s: create the mount point in the root", m->dest);
		int r = mount(m->source, fdpath(fd), m->fstype, flags, m->data);
		/* As runc: in a user namespace that does not own the network
		 * namespace, sysfs cannot be mounted; the host's /sys is bound. */
		if (r < 0 && errno == EPERM && linux_in_userns && strcmp(m->fstype, "sysfs") == 0) {
			r = mount("/sys", fdpath(fd), NULL, MS_BIND | MS_REC, NULL);
			remount = r == 0 && (flags & ~(unsigned long)MS_REC);
		}
		if (r < 0)
			die_errno("mount", "mount %s on %s (type %s, flags 0x%lx, data \"%s\")",
			          m->source, m->dest, m->fstype, flags, m->data);
	}
	if (remount || pflags) {
		top = reopen("mount", m->dest, fd);
		if (remount && remount_bind(fdpath(top), flags) < 0)
			die_errno("mount", "mount %s: remount with flags 0x%lx", m->dest, flags);
		set_propagation(m, fdpath(top), pflags);
		close(top);
	}
	close(fd);
}

void platform_prepare_root(const struct plan *p)
{
	if (!p->root)
		return;
	if (!realpath(p->root, root))
		die_errno("rootfs", "rootfs %s", p->root);
	unsigned long prop = p->has_propagation ? p->propagation : MS_SLAVE | MS_REC;
	if (mount(NULL, "/", NULL, prop, NULL) < 0)
		die_errno("rootfs", "set propagation 0x%lx on /", prop);
	/* pivot_root refuses a shared parent mount, and our mounts must not
	 * propagate out through it: make the mount holding the root private. */
	char up[PATH_MAX];
	strcpy(up, root);
	for (;;) {
		if (mount(NULL, up, NULL, MS_PRIVATE, NULL) == 0)
			break;
		if (errno != EINVAL || strcmp(up, "/") == 0)
			die_errno("rootfs", "make the mount holding %s private", root);
		char *slash = strrchr(up, '/');  /* not a mount point: its parent */
		slash[slash == up] = 0;
	}
	if (mount(root, root, NULL, MS_BIND | MS_REC, NULL) < 0)
		die_errno("rootfs", "bind %s onto itself", root);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		die_errno("rootfs", "open %s", root);
	if (strcmp(root, "/") == 0)
		root[0] = 0;
	/* Mounts go through /proc/self/fd/N: until pivot_root that is the
	 * host's /proc, which must be there and be a procfs. */
	struct statfs sf;
	if (statfs("/proc/self/fd", &sf) < 0)
		die_errno("rootfs", "mount under %s: the host's /proc is needed", root[0] ? root : "/");
	if (sf.f_type != PROC_SUPER_MAGIC)
		die("rootfs", 0, "mount under %s: the host's /proc is needed (/proc is not a procfs)", root[0] ? root : "/");

	for (size_t i = 0; i < p->nmounts; i++)
		do_mount(&p->mounts[i]);
	for (size_t i = 0; i < p->ndevices; i++)
		linux_make_device(&p->devices[i]);
	if (p->default_devices)
		linux_default_devices(p);
}

/* pivot_root(".", ".") stacks the old root on top of the new one at "/";
 * unmounting "." (lazily) then leaves just the new root. No directory for
 * the old root is needed, so a read-only rootfs works too. */
static void pivot(void)
{
	int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (oldroot < 0)
		die_errno("pivot", "open /");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		die_errno("pivot", "pivot_root %s", root[0] ? root : "/");
	if (fchdir(oldroot) < 0)
		die_errno("pivot", "fchdir to the old root");
	/* Slave first, so the unmount does not propagate to the host. */
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		die_errno("pivot", "make the old root rslave");
	if (umount2(".", MNT_DETACH) < 0)
		die_errno("pivot", "unmount the old root");
	close(oldroot);
}

static void remount_ro(const char *stage, const char *path)
{
	unsigned long f = kept_flags(path);
	if (f == (unsigned long)-1)
		die_errno(stage, "statvfs %s", path);
	if (mount(NULL, path, NULL, f | MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
		die_errno(stage, "remount %s read-only", path);
}

void platform_switch_root(const struct plan *p)
{
	if (!p->root)
		return;
	const char *r = root[0] ? root : "/";
	if (chdir(r) < 0)
		die_errno("pivot", "chdir %s", r);
	if (!p->no_pivot) {
		pivot();
	} else {
		if (mount(r, "/", NULL, MS_MOVE, NULL) < 0)
			die_errno("pivot", "move %s to /", r);
		if (chroot(".") < 0)
			die_errno("pivot", "chroot %s", r);
	}
	if (chdir("/") < 0)
		die_errno("pivot", "chdir / in the new root");
	/* The root's own propagation (rootfsPropagation), as runc applies it once
	 * pivot_root is done: before, a shared parent would make pivot_root fail. */
	unsigned long prop = p->has_propagation ? p->propagation : MS_SLAVE | MS_REC;
	if (mount(NULL, "/", NULL, prop, NULL) < 0)
		die_errno("pivot", "set propagation 0x%lx on the new root", prop);
}

/* A path of the container to mount on, after pivot_root: opened inside the
 * new root (nothing else is reachable by then, but the object checked must
 * be the one mounted on). -1 when missing. */
static int open_inside(const char *stage, const char *path, struct stat *st)
{
	int fd = rs_open(rootfd, path);
	if (fd < 0 && errno == ENOENT)
		return -1;
	if (fd < 0 || fstat(fd, st) < 0)
		die_errno(stage, "%s %s: open", strcmp(stage, "masked") == 0 ? "mask" : "read-only path", path);
	return fd;
}

void platform_restrict_root(const struct plan *p)
{
	struct stat st;
	if (p->nmasked || p->nreadonly) {
		if (rootfd >= 0)
			close(rootfd);
		rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0)
			die_errno("masked", "open the new root");
	}
	/* Through the fd's magic link where the container has a procfs at
	 * /proc; by path otherwise (still resolved inside the new root). */
	struct statfs sf;
	int byfd = statfs("/proc/self/fd", &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
	/* Missing paths are skipped, but tested apart from the mount: a missing
	 * /dev/null must fail, not leave the path unmasked. */
	for (size_t i = 0; i < p->nmasked; i++) {
		const char *m = p->masked[i];
		int fd = open_inside("masked", m, &st);
		if (fd < 0)
			continue;
		const char *t = byfd ? fdpath(fd) : m;
		if (S_ISDIR(st.st_mode) ? mount("tmpfs", t, "tmpfs", MS_RDONLY, NULL) < 0
		                        : mount("/dev/null", t, NULL, MS_BIND, NULL) < 0)
			die_errno("masked", "mask %s with %s", m, S_ISDIR(st.st_mode) ? "a read-only tmpfs" : "/dev/null");
		close(fd);
	}
	for (size_t i = 0; i < p->nreadonly; i++) {
		const char *ro = p->readonly[i];
		int fd = open_inside("readonly", ro, &st);
		if (fd < 0)
			continue;
		if (mount(byfd ? fdpath(fd) : ro, byfd ? fdpath(fd) : ro, NULL, MS_BIND | MS_REC, NULL) < 0)
			die_errno("readonly", "bind %s onto itself", ro);
		int top = byfd ? reopen("readonly", ro, fd) : -1;
		remount_ro("readonly", byfd ? fdpath(top) : ro);
		if (top >= 0)
			close(top);
		close(fd);
	}
	if (p->readonly_root)
		remount_ro("readonly", "/");
}
