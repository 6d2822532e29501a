/* Paths inside the rootfs through directory fds (see linux_resolve.h).
 *
 * Why fds: resolving a path to a string and then calling mkdir or mount on
 * that string lets a process that can write to the rootfs swap a directory
 * for a symlink to a host path in between, and the kernel follows it. Here
 * each step works relative to the fd of a directory already known to be
 * inside the root:
 *  - openat2(RESOLVE_IN_ROOT) makes the kernel resolve the path as if the
 *    root fd were "/" (symlinks and ".." included) and fails with EAGAIN
 *    when a rename raced with a ".." step, so its answer is always inside;
 *  - a missing component is made with mkdirat in its parent's fd and
 *    opened again with O_NOFOLLOW: if a symlink was swapped in meanwhile,
 *    the component is resolved again, inside the root;
 *  - without openat2 (ENOSYS), the walk below opens one component at a
 *    time with O_PATH|O_NOFOLLOW, reads symlinks itself and keeps the fds of
 *    the directories above, so ".." never asks the kernel for a parent that
 *    may have been moved out of the root. */
#include "linux_resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

#define MAX_LINKS 40   /* as the kernel's MAXSYMLINKS */
#define MAX_DEPTH 128  /* directories held open by the walk */
#define EAGAIN_TRIES 32

int rs_no_openat2;

static int close_keep_errno(int fd)
{
	int e = errno;
	if (fd >= 0)
		close(fd);
	errno = e;
	return -1;
}

/* openat2 with the root as "/"; -1/ENOSYS when the kernel lacks it. */
static int in_root(int root, const char *path, int flags)
{
	struct open_how how = {
		.flags = (unsigned long long)(O_PATH | O_CLOEXEC | flags),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	while (*path == '/')
		path++;
	for (int i = 0; i < EAGAIN_TRIES; i++) {
		int fd = (int)syscall(SYS_openat2, root, *path ? path : ".", &how, sizeof how);
		if (fd >= 0 || errno != EAGAIN)
			return fd;
	}
	return -1;  /* EAGAIN: renames keep racing; the caller walks by hand */
}

/* The walk without openat2. mkdirs: create missing components. */
static int walk(int root, const char *path, int mkdirs, mode_t mode)
{
	int stack[MAX_DEPTH], depth = 0, links = 0;
	char buf[2 * PATH_MAX], tmp[2 * PATH_MAX], comp[NAME_MAX + 1];
	if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
		return errno = ENAMETOOLONG, -1;
	stack[0] = openat(root, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (stack[0] < 0)
		return -1;
	char *rest = buf;
	for (;;) {
		while (*rest == '/')
			rest++;
		if (!*rest)
			break;
		size_t n = strcspn(rest, "/");
		if (n > NAME_MAX) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		memcpy(comp, rest, n);
		comp[n] = 0;
		rest += n;
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {  /* the directory above, held; at the root it stays */
			if (depth > 0)
				close(stack[depth--]);
			continue;
		}
		int fd = openat(stack[depth], comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && mkdirs) {
			if (mkdirat(stack[depth], comp, mode) < 0 && errno != EEXIST)
				goto fail;
			fd = openat(stack[depth], comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd < 0)
			goto fail;
		struct stat st;
		if (fstat(fd, &st) < 0) {
			close_keep_errno(fd);
			goto fail;
		}
		if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t tl = ++links > MAX_LINKS ? (errno = ELOOP, -1) : readlinkat(fd, "", target, sizeof target - 1);
			close_keep_errno(fd);
			if (tl < 0)
				goto fail;
			target[tl] = 0;
			if (snprintf(tmp, sizeof tmp, "%s/%s", target, rest) >= (int)sizeof tmp) {
				errno = ENAMETOOLONG;
				goto fail;
			}
			strcpy(buf, tmp);
			rest = buf;
			if (target[0] == '/')  /* absolute: from the root again */
				while (depth > 0)
					close(stack[depth--]);
			continue;
		}
		if (!S_ISDIR(st.st_mode) && rest[strspn(rest, "/")]) {
			close(fd);
			errno = ENOTDIR;
			goto fail;
		}
		if (depth + 1 == MAX_DEPTH) {
			close(fd);
			errno = ENAMETOOLONG;
			goto fail;
		}
		stack[++depth] = fd;
	}
	for (int i = 0; i < depth; i++)
		close(stack[i]);
	return stack[depth];
fail:
	for (int i = 0; i <= depth; i++)
		close_keep_errno(stack[i]);
	return -1;
}

int rs_open(int root, const char *path)
{
	if (!rs_no_openat2) {
		int fd = in_root(root, path, 0);
		if (fd >= 0 || (errno != ENOSYS && errno != EAGAIN))
			return fd;
		if (errno == ENOSYS)
			rs_no_openat2 = 1;
	}
	return walk(root, path, 0, 0);
}

static int is_dir(int fd)
{
	struct stat st;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		return close_keep_errno(fd);
	if (!S_ISDIR(st.st_mode)) {
		close(fd);
		return errno = ENOTDIR, -1;
	}
	return fd;
}

int rs_mkdirs(int root, const char *path, mode_t mode)
{
	if (rs_no_openat2)
		return is_dir(walk(root, path, 1, mode));
	int fd = in_root(root, path, 0);
	if (fd >= 0)
		return is_dir(fd);
	if (errno == ENOSYS)
		rs_no_openat2 = 1;
	if (errno != ENOENT)
		return errno == ENOSYS || errno == EAGAIN ? is_dir(walk(root, path, 1, mode)) : -1;
	/* Prefix by prefix: the kernel resolves each inside the root; the first
	 * missing one is made in the fd of the one before. */
	char prefix[PATH_MAX];
	size_t len = 0;
	int parent = in_root(root, ".", O_DIRECTORY);
	if (parent < 0)
		return -1;
	for (const char *p = path;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		size_t n = strcspn(p, "/");
		if (len + n + 2 > sizeof prefix || n > NAME_MAX) {
			close(parent);
			return errno = ENAMETOOLONG, -1;
		}
		char comp[NAME_MAX + 1];
		memcpy(comp, p, n);
		comp[n] = 0;
		prefix[len++] = '/';
		memcpy(prefix + len, p, n);
		len += n;
		prefix[len] = 0;
		p += n;
		fd = in_root(root, prefix, 0);
		if (fd < 0 && errno == ENOENT && strcmp(comp, "..") != 0 && strcmp(comp, ".") != 0) {
			if (mkdirat(parent, comp, mode) < 0 && errno != EEXIST)
				return close_keep_errno(parent);
			fd = openat(parent, comp, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0 && (errno == ENOTDIR || errno == ELOOP))
				fd = in_root(root, prefix, 0);  /* a symlink raced in: inside the root again */
		}
		if (fd < 0 && (errno == ENOENT || errno == EAGAIN)) {
			/* A dangling symlink on the way (its target is created, as
			 * before), or renames that keep racing: walk by hand. */
			close(parent);
			return is_dir(walk(root, path, 1, mode));
		}
		close(parent);
		if (fd < 0)
			return -1;
		parent = fd;
	}
	return is_dir(parent);
}

int rs_parent(int root, const char *path, mode_t mode, char name[NAME_MAX + 1])
{
	char dir[PATH_MAX];
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	if (len >= sizeof dir)
		return errno = ENAMETOOLONG, -1;
	memcpy(dir, path, len);
	dir[len] = 0;
	char *slash = strrchr(dir, '/');
	const char *last = slash ? slash + 1 : dir;
	if (!*last || strcmp(last, ".") == 0 || strcmp(last, "..") == 0)
		return errno = EINVAL, -1;
	if (strlen(last) > NAME_MAX)
		return errno = ENAMETOOLONG, -1;
	strcpy(name, last);
	if (slash)
		slash[1] = 0;
	else
		dir[0] = 0;
	return rs_mkdirs(root, dir, mode);
}
