/* Linux backend, filesystem half: the root's propagation, the mounts, /dev,
 * pivot_root, masked and read-only paths, the read-only root. */
#include "channel.h"
#include "helper.h"
#include "linux.h"
#include "platform.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define PROPAGATION (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)
#define MAX_LINKS 255  /* symlinks followed while resolving one path */

static char root[PATH_MAX];  /* the rootfs, symlinks resolved; "" for "/" */

/* Resolves `path` as if `root` were "/" (securejoin): component by
 * component, expanding symlinks relative to the root and never going above
 * it with "..". Missing components are appended as they are. The result
 * (root + path) has no symlinks as long as nobody races us. */
static int resolve(const char *path, char out[PATH_MAX])
{
	char rest[2 * PATH_MAX], cur[PATH_MAX] = "", full[2 * PATH_MAX];
	size_t len = 0;
	int links = 0;
	if (snprintf(rest, sizeof rest, "%s", path) >= (int)sizeof rest)
		return errno = ENAMETOOLONG, -1;
	for (char *r = rest;;) {
		while (*r == '/')
			r++;
		if (!*r)
			break;
		size_t n = strcspn(r, "/"), save = len;
		if (n == 1 && r[0] == '.') {
			r += n;
			continue;
		}
		if (n == 2 && r[0] == '.' && r[1] == '.') {
			char *slash = strrchr(cur, '/');  /* at the root, ".." stays there */
			len = slash ? (size_t)(slash - cur) : 0;
			cur[len] = 0;
			r += n;
			continue;
		}
		if (len + 1 + n >= sizeof cur)
			return errno = ENAMETOOLONG, -1;
		cur[len++] = '/';
		memcpy(cur + len, r, n);
		len += n;
		cur[len] = 0;
		r += n;

		struct stat st;
		snprintf(full, sizeof full, "%s%s", root, cur);
		if (lstat(full, &st) < 0) {
			if (errno == ENOENT || errno == ENOTDIR)
				continue;
			return -1;
		}
		if (!S_ISLNK(st.st_mode))
			continue;
		if (++links > MAX_LINKS)
			return errno = ELOOP, -1;
		char target[PATH_MAX], next[2 * PATH_MAX];
		ssize_t tl = readlink(full, target, sizeof target - 1);
		if (tl < 0)
			return -1;
		target[tl] = 0;
		len = target[0] == '/' ? 0 : save;  /* absolute: from the root again */
		cur[len] = 0;
		if (snprintf(next, sizeof next, "%s/%s", target, r) >= (int)sizeof next)
			return errno = ENAMETOOLONG, -1;
		strcpy(rest, next);
		r = rest;
	}
	if (snprintf(out, PATH_MAX, "%s%s", root, len ? cur : "/") >= PATH_MAX)
		return errno = ENAMETOOLONG, -1;
	return 0;
}

static void resolve_or_die(const char *stage, const char *path, char out[PATH_MAX])
{
	if (resolve(path, out) < 0)
		die_errno(stage, "resolve %s in the root %s", path, root);
}

/* A file to mount a non-directory on: mkdir -p its parent, then create it. */
static int make_file(const char *path)
{
	char parent[PATH_MAX];
	snprintf(parent, sizeof parent, "%s", path);
	char *slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = 0;
		if (mkdir_p(parent, 0755) < 0)
			return -1;
	}
	int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 && errno != EISDIR)
		return -1;
	if (fd >= 0)
		close(fd);
	return 0;
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

static void do_mount(const struct mount_rec *m)
{
	char dest[PATH_MAX];
	unsigned long pflags = m->pflags | (m->flags & PROPAGATION);
	unsigned long flags = m->flags & ~PROPAGATION;
	resolve_or_die("mount", m->dest, dest);
	if (m->bind) {
		struct stat st;
		if (stat(m->source, &st) < 0)
			die_errno("mount", "mount %s on %s: stat source", m->source, m->dest);
		if ((S_ISDIR(st.st_mode) ? mkdir_p(dest, 0755) : make_file(dest)) < 0)
			die_errno("mount", "create mount point %s", m->dest);
		if (mount(m->source, dest, NULL, MS_BIND | (flags & MS_REC), NULL) < 0)
			die_errno("mount", "mount %s on %s", m->source, m->dest);
		/* A bind ignores the other flags: they take a remount. */
		if ((flags & ~(unsigned long)(MS_BIND | MS_REC)) && remount_bind(dest, flags) < 0)
			die_errno("mount", "remount %s with flags 0x%lx", m->dest, flags);
	} else {
		if (mkdir_p(dest, 0755) < 0)
			die_errno("mount", "create mount point %s", m->dest);
		int r = mount(m->source, dest, m->fstype, flags, m->data);
		/* As runc: in a user namespace that does not own the network
		 * namespace, sysfs cannot be mounted; the host's /sys is bound. */
		if (r < 0 && errno == EPERM && linux_in_userns && strcmp(m->fstype, "sysfs") == 0) {
			r = mount("/sys", dest, NULL, MS_BIND | MS_REC, NULL);
			if (r == 0 && (flags & ~(unsigned long)MS_REC) && remount_bind(dest, flags) < 0)
				die_errno("mount", "remount the host's /sys on %s with flags 0x%lx", m->dest, flags);
		}
		if (r < 0)
			die_errno("mount", "mount %s on %s (type %s, flags 0x%lx, data \"%s\")",
			          m->source, m->dest, m->fstype, flags, m->data);
	}
	/* The kernel takes one propagation type per call; MS_REC goes with each. */
	static const unsigned long types[] = {MS_PRIVATE, MS_SLAVE, MS_SHARED, MS_UNBINDABLE};
	for (size_t i = 0; i < sizeof types / sizeof *types; i++)
		if ((pflags & types[i]) && mount(NULL, dest, NULL, types[i] | (pflags & MS_REC), NULL) < 0)
			die_errno("mount", "set propagation 0x%lx on %s", types[i] | (pflags & MS_REC), m->dest);
}

/* As runc where mknod is not allowed: an empty file as the mount point,
 * and the host's node at the same path bound onto it. The host's /dev is
 * still reachable (before pivot_root, the helper's root is the host's).
 * The host's node keeps its owner and mode: nothing is changed on it. */
static void bind_device(const struct device_rec *d, const char *path)
{
	struct stat st;
	if (lstat(path, &st) == 0)
		return;  /* as with mknod: an existing node is kept */
	int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		die_errno("device", "create %s to bind the host's node onto", d->path);
	close(fd);
	if (mount(d->path, path, NULL, MS_BIND, NULL) < 0)
		die_errno("device", "bind the host's %s onto %s (no mknod in a user namespace)", d->path, d->path);
}

static void make_device(const struct device_rec *d)
{
	char path[PATH_MAX], parent[PATH_MAX];
	resolve_or_die("device", d->path, path);
	snprintf(parent, sizeof parent, "%s", path);
	*strrchr(parent, '/') = 0;
	if (*parent && mkdir_p(parent, 0755) < 0)
		die_errno("device", "mkdir parent of %s", d->path);
	mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
	/* A new user namespace may not mknod a device (a fifo it may). */
	int bind = type != S_IFIFO && linux_in_userns;
	if (!bind && mknod(path, type | d->mode, makedev(d->major, d->minor)) < 0) {
		if (errno == EEXIST)
			return;  /* as runc: an existing node is kept */
		if (errno != EPERM || type == S_IFIFO)
			die_errno("device", "mknod %s (%c %u:%u)", d->path, d->type, d->major, d->minor);
		bind = 1;
	}
	if (bind) {
		bind_device(d, path);
		return;
	}
	if (chown(path, d->uid, d->gid) < 0)
		die_errno("device", "chown %s to %u:%u", d->path, (unsigned)d->uid, (unsigned)d->gid);
	if (chmod(path, d->mode) < 0)  /* mknod's mode went through the umask */
		die_errno("device", "chmod %s to %o", d->path, d->mode);
}

static int exists(const char *path)
{
	char host[PATH_MAX];
	struct stat st;
	resolve_or_die("device", path, host);
	return lstat(host, &st) == 0;
}

static void default_devices(const struct plan *p)
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
			make_device(&devs[i]);
	for (size_t i = 0; i < sizeof links / sizeof *links; i++) {
		char host[PATH_MAX];
		if (i == 5 && access("/proc/kcore", F_OK) < 0)
			continue;  /* as runc: /dev/core only where the host has kcore */
		if (exists(links[i][1]))
			continue;
		resolve_or_die("device", links[i][1], host);
		if (symlink(links[i][0], host) < 0)
			die_errno("device", "symlink %s -> %s", links[i][1], links[i][0]);
	}
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
	if (strcmp(root, "/") == 0)
		root[0] = 0;

	for (size_t i = 0; i < p->nmounts; i++)
		do_mount(&p->mounts[i]);
	for (size_t i = 0; i < p->ndevices; i++)
		make_device(&p->devices[i]);
	if (p->default_devices)
		default_devices(p);
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

void platform_restrict_root(const struct plan *p)
{
	struct stat st;
	/* Missing paths are skipped, but tested apart from the mount: a missing
	 * /dev/null must fail, not leave the path unmasked. */
	for (size_t i = 0; i < p->nmasked; i++) {
		const char *m = p->masked[i];
		if (stat(m, &st) < 0) {
			if (errno == ENOENT)
				continue;
			die_errno("masked", "mask %s: stat", m);
		}
		if (S_ISDIR(st.st_mode) ? mount("tmpfs", m, "tmpfs", MS_RDONLY, NULL) < 0
		                        : mount("/dev/null", m, NULL, MS_BIND, NULL) < 0)
			die_errno("masked", "mask %s with %s", m, S_ISDIR(st.st_mode) ? "a read-only tmpfs" : "/dev/null");
	}
	for (size_t i = 0; i < p->nreadonly; i++) {
		const char *ro = p->readonly[i];
		if (stat(ro, &st) < 0) {
			if (errno == ENOENT)
				continue;
			die_errno("readonly", "read-only path %s: stat", ro);
		}
		if (mount(ro, ro, NULL, MS_BIND | MS_REC, NULL) < 0)
			die_errno("readonly", "bind %s onto itself", ro);
		remount_ro("readonly", ro);
	}
	if (p->readonly_root)
		remount_ro("readonly", "/");
}
