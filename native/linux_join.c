/* Linux backend, entering: the cgroups (cgroup-procs), the namespaces, and
 * the root of a running container (join-root, for exec). */
#include "channel.h"
#include "linux.h"
#include "platform.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int join_root_fd = -1;  /* /proc/<pid>/root, opened at stage 1 */

int linux_ns_flag(const char *type)
{
	static const struct { const char *name; int flag; } types[] = {
		{"pid", CLONE_NEWPID}, {"net", CLONE_NEWNET},  {"mount", CLONE_NEWNS},
		{"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS},  {"cgroup", CLONE_NEWCGROUP},
	};
	for (size_t i = 0; i < sizeof types / sizeof *types; i++)
		if (strcmp(types[i].name, type) == 0)
			return types[i].flag;
	return 0;
}

/* Writing "0" to cgroup.procs moves the writing process (cgroup v1 and v2);
 * the container process, forked later, inherits the cgroups. */
static void join_cgroup(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		die_errno("cgroup", "open %s", path);
	if (write(fd, "0", 1) != 1)
		die_errno("cgroup", "join the cgroup: write 0 to %s", path);
	close(fd);
}

/* Stage 1: with the host's view of the filesystem, before any setns. The
 * cgroups come first, so a joined cgroup namespace is rooted where the
 * container's processes are. */
void platform_prepare(const struct plan *p)
{
	for (size_t i = 0; i < p->ncgroup_procs; i++)
		join_cgroup(p->cgroup_procs[i]);
	if (p->has_join_root) {
		char path[64];
		snprintf(path, sizeof path, "/proc/%ld/root", p->join_root);
		join_root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (join_root_fd < 0)
			die_errno("rootfs", "open %s", path);
	}
}

void platform_enter(const struct plan *p)
{
	/* Open every namespace first: after joining a mount namespace the paths
	 * (/proc/<pid>/ns/...) would be looked up in that namespace instead. */
	int fds[p->nns + 1];
	for (size_t i = 0; i < p->nns; i++) {
		fds[i] = -1;
		if (p->ns[i].join && (fds[i] = open(p->ns[i].path, O_RDONLY | O_CLOEXEC)) < 0)
			die_errno("namespace", "open %s namespace %s", p->ns[i].type, p->ns[i].path);
	}
	/* The mount namespace last (pass 1), as runc's nsexec: joining it
	 * changes the root and cwd, and nothing after it needs the host's. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < p->nns; i++) {
			int flag = linux_ns_flag(p->ns[i].type);
			if (!p->ns[i].join || (flag == CLONE_NEWNS) != pass)
				continue;
			if (setns(fds[i], flag) < 0)
				die_errno("namespace", "setns %s namespace %s", p->ns[i].type, p->ns[i].path);
			close(fds[i]);
		}
	for (size_t i = 0; i < p->nns; i++)
		if (!p->ns[i].join && unshare(linux_ns_flag(p->ns[i].type)) < 0)
			die_errno("namespace", "unshare %s namespace", p->ns[i].type);
}

/* Stage 6, in the container process: the root of the container's process
 * becomes ours. setns into its mount namespace is not enough: that gives
 * the namespace's root, which for a container made with no-pivot (MS_MOVE
 * + chroot) is not the container's root. */
void platform_join_root(const struct plan *p)
{
	if (join_root_fd < 0)
		return;
	if (fchdir(join_root_fd) < 0)
		die_errno("pivot", "fchdir to /proc/%ld/root", p->join_root);
	if (chroot(".") < 0)
		die_errno("pivot", "chroot to /proc/%ld/root", p->join_root);
	if (chdir("/") < 0)
		die_errno("pivot", "chdir / in the joined root");
	close(join_root_fd);
	join_root_fd = -1;
}
