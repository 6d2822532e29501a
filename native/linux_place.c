/* Linux backend, the container's cgroups (cgroup-procs records).
 *
 * Moving a process into a cgroup (a write to cgroup.procs) waits, the first
 * time in a while, for an RCU grace period: 0.4-0.7 ms on the development
 * VM (docs/performance.md), for the kernel's cgroup_threadgroup_rwsem. The
 * helper used to join the cgroups itself at stage 1 and fork the container
 * process into them, so that wait came before any of the child's work.
 *
 * Now, when the helper forks and the plan has no user namespace and joins
 * no cgroup namespace, stage 1 only opens each cgroup.procs (with the host's
 * view and credentials), and the parent half writes the child's pid through
 * them right after the fork (platform_place) while the child starts on its
 * mounts. The child takes the parent's byte on a pipe (platform_placed)
 * before anything that needs its cgroups: a mount of type cgroup or cgroup2,
 * its new cgroup namespace (rooted where it then is: unshared then, not at
 * stage 2), the createRuntime hooks' message, a hook it runs, closing its
 * fds for the exec, execve. A parent that fails to place it reports why and
 * exits; the child then finds the pipe closed and exits too, outside every
 * cgroup but having run nothing of the container's. The parent half (run's
 * relay) is no longer in the container's cgroups at all, as runc's own
 * process is not.
 *
 * With a user namespace, or a joined cgroup namespace, the helper joins at
 * stage 1 as before: a kernel before 5.16 checks a write to cgroup.procs
 * against the writer's credentials and cgroup namespace at the time of the
 * write, not of the open, and the parent has entered those by then. */
#include "linux.h"
#include "platform.h"

#include "channel.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int *procs;                   /* cgroup.procs fds, opened at stage 1 */
static const struct plan *placing;   /* their paths, for errors */
static int placed_rd = -1, placed_wr = -1;
static int cgroupns_deferred;        /* a new cgroup namespace, unshared by the child once placed */

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

static int deferrable(const struct plan *p)
{
	if (!p->fork || !p->ncgroup_procs || linux_has_userns(p))
		return 0;
	for (size_t i = 0; i < p->nns; i++)
		if (p->ns[i].join && linux_ns_flag(p->ns[i].type) == CLONE_NEWCGROUP)
			return 0;
	return 1;
}

void linux_cgroups_prepare(const struct plan *p)
{
	if (!deferrable(p)) {
		for (size_t i = 0; i < p->ncgroup_procs; i++)
			join_cgroup(p->cgroup_procs[i]);
		return;
	}
	procs = calloc(p->ncgroup_procs, sizeof *procs);
	if (!procs)
		die_errno("cgroup", "allocate");
	for (size_t i = 0; i < p->ncgroup_procs; i++)
		if ((procs[i] = open(p->cgroup_procs[i], O_WRONLY | O_CLOEXEC)) < 0)
			die_errno("cgroup", "open %s", p->cgroup_procs[i]);
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		die_errno("cgroup", "pipe");
	placed_rd = fds[0];
	placed_wr = fds[1];
	placing = p;
	for (size_t i = 0; i < p->nns; i++)
		if (!p->ns[i].join && linux_ns_flag(p->ns[i].type) == CLONE_NEWCGROUP)
			cgroupns_deferred = 1;
}

int linux_cgroupns_deferred(void)
{
	return cgroupns_deferred;
}

void platform_place(pid_t child)
{
	if (placed_wr < 0)
		return;
	close(placed_rd);
	placed_rd = -1;
	char pid[24];
	int n = snprintf(pid, sizeof pid, "%ld", (long)child);
	for (size_t i = 0; i < placing->ncgroup_procs; i++) {
		if (write(procs[i], pid, (size_t)n) != n)
			die_errno("cgroup", "move the container process into the cgroup: write %s to %s", pid, placing->cgroup_procs[i]);
		close(procs[i]);
	}
	free(procs);
	procs = NULL;
	/* EPIPE: the child has died since the fork, most likely killed by the
	 * cgroup's OOM killer on its first page fault there (a memory limit too
	 * low for it). That is not this half's error: whoever waits for the
	 * child learns how it ended (runj's create and run report the OOM kill), and a
	 * zombie's pid is taken by cgroup.procs without an error. */
	if (write(placed_wr, "1", 1) != 1 && errno != EPIPE)
		die_errno("cgroup", "tell the container process it is in its cgroups");
	close(placed_wr);
	placed_wr = -1;
}

void platform_placed(void)
{
	if (placed_rd < 0)
		return;
	/* The parent's write end, inherited: closed, so the pipe reads as closed if the parent dies. */
	if (placed_wr >= 0) {
		close(placed_wr);
		placed_wr = -1;
	}
	if (procs) {
		for (size_t i = 0; i < placing->ncgroup_procs; i++)
			close(procs[i]);
		free(procs);
		procs = NULL;
	}
	char b;
	ssize_t n;
	while ((n = read(placed_rd, &b, 1)) < 0 && errno == EINTR)
		;
	close(placed_rd);
	placed_rd = -1;
	if (n != 1)
		_exit(1); /* the parent could not place it, and says why */
	if (cgroupns_deferred && unshare(CLONE_NEWCGROUP) < 0)
		die_errno("namespace", "unshare cgroup namespace");
	cgroupns_deferred = 0;
}
