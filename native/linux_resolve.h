/* Paths inside the rootfs, resolved and created through directory fds
 * (linux_resolve.c). Every function returns an O_PATH fd (close-on-exec) or
 * -1 with errno set; nothing outside the directory `root` is ever opened,
 * created or returned, whatever renames race with the walk. Symlinks are
 * followed as if `root` were "/" and ".." stops at `root`. Self-contained
 * (no helper state), so tests can build it alone. */
#ifndef RUNJ_LINUX_RESOLVE_H
#define RUNJ_LINUX_RESOLVE_H

#include <limits.h>
#include <sys/types.h>

/* 1: walk component by component with openat(O_PATH|O_NOFOLLOW), resolving
 * symlinks here. Set on the first ENOSYS from openat2 (Linux < 5.6); tests
 * set it to exercise that walk. */
extern int rs_no_openat2;

/* The existing path (every symlink followed, inside the root). */
int rs_open(int root, const char *path);

/* mkdir -p inside the root: missing directories are created with mkdirat
 * in their parent's fd. Returns the directory. */
int rs_mkdirs(int root, const char *path, mode_t mode);

/* The parent directory of path (created like rs_mkdirs) and, in name, the
 * last component, which the caller creates or opens relative to the parent
 * with O_NOFOLLOW. EINVAL when path has no last component ("/", "..", "."). */
int rs_parent(int root, const char *path, mode_t mode, char name[NAME_MAX + 1]);

#endif
