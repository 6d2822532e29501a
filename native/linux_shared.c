/* Linux backend: what its files share. Namespace types, whether the helper
 * is in a user namespace, the root's fd and the magic-link path of an fd.
 * It uses no other helper file, so the files sharing these never need each
 * other both ways (scripts/c-cycles.mjs, `make lint`, checks it). */
#include "linux.h"

#include <sched.h>
#include <stdio.h>
#include <string.h>

int linux_in_userns;   /* set by platform_enter (linux_join.c) */
int linux_early_flags; /* set by platform_early (linux_join.c) */
int linux_rootfd = -1; /* set by platform_prepare_root (linux_mount.c) */

int linux_ns_flag(const char *type)
{
	static const struct { const char *name; int flag; } types[] = {
		{"pid", CLONE_NEWPID}, {"net", CLONE_NEWNET},  {"mount", CLONE_NEWNS},
		{"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS},  {"cgroup", CLONE_NEWCGROUP},
		{"user", CLONE_NEWUSER},
	};
	for (size_t i = 0; i < sizeof types / sizeof *types; i++)
		if (strcmp(types[i].name, type) == 0)
			return types[i].flag;
	return 0;
}

int linux_has_userns(const struct plan *p)
{
	for (size_t i = 0; i < p->nns; i++)
		if (linux_ns_flag(p->ns[i].type) == CLONE_NEWUSER)
			return 1;
	return 0;
}

/* Everything under the root is created and opened through fds
 * (linux_resolve.c) and mounted on through the fd's magic link: a path
 * string would be resolved again by the kernel, and a directory swapped for
 * a symlink in between would send the mkdir or the mount to the host. */
const char *linux_fdpath(int fd)
{
	static char buf[4][32];
	static int next;
	char *b = buf[next++ % 4];
	snprintf(b, sizeof buf[0], "/proc/self/fd/%d", fd);
	return b;
}
