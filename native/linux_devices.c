/* Linux backend: device nodes and the default /dev entries under the root,
 * made in their parent directory's fd (linux_resolve.c), never by a path
 * the kernel would resolve again (see linux_mount.c). */
#include "channel.h"
#include "linux.h"
#include "linux_resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define rootfd linux_rootfd
#define fdpath linux_fdpath

/* As runc where mknod is not allowed: an empty file as the mount point,
 * and the host's node at the same path bound onto it. The host's /dev is
 * still reachable (before pivot_root, the helper's root is the host's).
 * The host's node keeps its owner and mode: nothing is changed on it. */
static void bind_device(const struct device_rec *d, int dir, const char *name)
{
	struct stat st;
	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return;  /* as with mknod: an existing node is kept */
	int fd = openat(dir, name, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		die_errno("device", "create %s to bind the host's node onto", d->path);
	if (mount(d->path, fdpath(fd), NULL, MS_BIND, NULL) < 0)
		die_errno("device", "bind the host's %s onto %s (no mknod in a user namespace)", d->path, d->path);
	close(fd);
}

void linux_make_device(const struct device_rec *d)
{
	char name[NAME_MAX + 1];
	int dir = rs_parent(rootfd, d->path, 0755, name);
	if (dir < 0)
		die_errno("device", "mkdir parent of %s in the root", d->path);
	mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
	/* A new user namespace may not mknod a device (a fifo it may). */
	int bind = type != S_IFIFO && linux_in_userns;
	if (!bind && mknodat(dir, name, type | d->mode, makedev(d->major, d->minor)) < 0) {
		if (errno == EEXIST) {
			close(dir);
			return;  /* as runc: an existing node is kept */
		}
		if (errno != EPERM || type == S_IFIFO)
			die_errno("device", "mknod %s (%c %u:%u)", d->path, d->type, d->major, d->minor);
		bind = 1;
	}
	if (bind) {
		bind_device(d, dir, name);
		close(dir);
		return;
	}
	/* Owner and mode through an O_NOFOLLOW fd of the node just made: a
	 * symlink swapped in for it is refused, never followed. */
	int fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		die_errno("device", "open %s after mknod", d->path);
	if ((st.st_mode & S_IFMT) != type)
		die("device", EEXIST, "mknod %s: replaced while it was made", d->path);
	if (fchownat(fd, "", d->uid, d->gid, AT_EMPTY_PATH) < 0)
		die_errno("device", "chown %s to %u:%u", d->path, (unsigned)d->uid, (unsigned)d->gid);
	if (chmod(fdpath(fd), d->mode) < 0)  /* mknod's mode went through the umask */
		die_errno("device", "chmod %s to %o", d->path, d->mode);
	close(fd);
	close(dir);
}

static int exists(const char *path)
{
	int fd = rs_open(rootfd, path);
	if (fd >= 0)
		close(fd);
	else if (errno != ENOENT)
		die_errno("device", "resolve %s in the root", path);
	return fd >= 0;
}

static void make_link(const char *target, const char *path)
{
	char name[NAME_MAX + 1];
	int dir = rs_parent(rootfd, path, 0755, name);
	if (dir < 0)
		die_errno("device", "mkdir parent of %s in the root", path);
	if (symlinkat(target, dir, name) < 0 && errno != EEXIST)  /* a dangling link already there is kept */
		die_errno("device", "symlink %s -> %s", path, target);
	close(dir);
}

void linux_default_devices(const struct plan *p)
{
	for (size_t i = 0; i < p->nmounts; i++) {
		const char *d = p->mounts[i].dest;
		if (p->mounts[i].bind && strncmp(d, "/dev", 4) == 0 && !d[4 + strspn(d + 4, "/")])
			return;  /* the host's /dev (or a copy): nothing to add */
	}
	static const struct device_rec devs[] = {
		{"/dev/null", 'c', 1, 3, 0666, 0, 0},    {"/dev/zero", 'c', 1, 5, 0666, 0, 0},
		{"/dev/full", 'c', 1, 7, 0666, 0, 0},    {"/dev/random", 'c', 1, 8, 0666, 0, 0},
		{"/dev/urandom", 'c', 1, 9, 0666, 0, 0}, {"/dev/tty", 'c', 5, 0, 0666, 0, 0},
	};
	static const char *const links[][2] = {
		{"/proc/self/fd", "/dev/fd"},     {"/proc/self/fd/0", "/dev/stdin"},
		{"/proc/self/fd/1", "/dev/stdout"}, {"/proc/self/fd/2", "/dev/stderr"},
		{"pts/ptmx", "/dev/ptmx"},        {"/proc/kcore", "/dev/core"},
	};
	for (size_t i = 0; i < sizeof devs / sizeof *devs; i++)
		if (!exists(devs[i].path))
			linux_make_device(&devs[i]);
	for (size_t i = 0; i < sizeof links / sizeof *links; i++) {
		if (i == 5 && access("/proc/kcore", F_OK) < 0)
			continue;  /* as runc: /dev/core only where the host has kcore */
		if (!exists(links[i][1]))
			make_link(links[i][0], links[i][1]);
	}
}

