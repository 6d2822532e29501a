/* Linux backend, entering: the cgroups (cgroup-procs), the namespaces, and
 * the root of a running container (join-root, for exec). A new user
 * namespace gets its maps from a forked writer (see README.md, "User
 * namespaces"). */
#include "channel.h"
#include "linux.h"
#include "platform.h"

#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int join_root_fd = -1;  /* /proc/<pid>/root, opened at stage 1 */
static int new_userns;         /* the plan has ns-new user */

/* Stage 1: with the host's view of the filesystem, before any setns. The
 * cgroups come first (joined, or their cgroup.procs opened for the parent
 * half to move the child into: linux_place.c), so a new cgroup namespace is
 * rooted where the container's processes are. */
void platform_prepare(const struct plan *p)
{
	linux_cgroups_prepare(p);
	if (p->has_join_root) {
		char path[64];
		snprintf(path, sizeof path, "/proc/%ld/root", p->join_root);
		join_root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (join_root_fd < 0)
			die_errno("rootfs", "open %s", path);
	}
	if (linux_has_userns(p))
		linux_write_oom(p);
}

/* The mapper: a child forked before any setns, so it stays in the parent
 * user namespace (and sees the host's /proc), where writing the maps of a
 * new user namespace is allowed. It waits for a byte on `go`, writes
 * /proc/<helper>/uid_map and gid_map (one write each, as the kernel wants),
 * and on failure sends {errno, message} on `res` and exits 1. End of file
 * on `go` (the helper failed before unsharing) makes it exit quietly. */
struct map_result {
	int err;
	char msg[240];
};

static int write_map(pid_t pid, const char *name, const struct idmap_rec *m, size_t n, struct map_result *r)
{
	char path[64], *buf = malloc(n * 36 + 1);
	size_t len = 0;
	if (!buf) {
		r->err = ENOMEM;
		snprintf(r->msg, sizeof r->msg, "write %s for pid %ld", name, (long)pid);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(buf + len, "%lu %lu %lu\n", m[i].container, m[i].host, m[i].size);
	snprintf(path, sizeof path, "/proc/%ld/%s", (long)pid, name);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t w = fd < 0 ? -1 : write(fd, buf, len);
	if (w != (ssize_t)len) {
		r->err = w < 0 ? errno : EIO;
		snprintf(r->msg, sizeof r->msg, "%s %s for pid %ld", fd < 0 ? "open" : "write", name, (long)pid);
		return -1;
	}
	close(fd);
	free(buf);
	return 0;
}

static pid_t mapper = -1;
static int go_w = -1, res_r = -1;

static void mapper_start(const struct plan *p)
{
	int go[2], res[2];
	pid_t helper = getpid();
	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(res, O_CLOEXEC) < 0)
		die_errno("namespace", "pipe for the id-map writer");
	pid_t pid = fork();
	if (pid < 0)
		die_errno("namespace", "fork the id-map writer");
	if (pid == 0) {
		int keep[] = {go[0], res[1]};
		fds_close_except(keep, 2);
		char c;
		ssize_t n;
		while ((n = read(go[0], &c, 1)) < 0 && errno == EINTR)
			;
		if (n != 1)
			_exit(1);
		struct map_result r;
		memset(&r, 0, sizeof r);
		if (write_map(helper, "uid_map", p->uid_maps, p->nuid_maps, &r) < 0 ||
		    write_map(helper, "gid_map", p->gid_maps, p->ngid_maps, &r) < 0) {
			if (write(res[1], &r, sizeof r) != (ssize_t)sizeof r)
				_exit(2);
			_exit(1);
		}
		_exit(0);
	}
	close(go[0]);
	close(res[1]);
	mapper = pid;
	go_w = go[1];
	res_r = res[0];
}

/* The helper failed before the maps were asked for: end of file on `go`
 * ends the mapper, which is reaped so that nothing is left behind. */
static void mapper_abort(void)
{
	if (mapper < 0)
		return;
	close(go_w);
	close(res_r);
	while (waitpid(mapper, NULL, 0) < 0 && errno == EINTR)
		;
	mapper = -1;
}

/* Right after unshare(CLONE_NEWUSER): lets the mapper write the maps and
 * waits for it. */
static void mapper_finish(void)
{
	pid_t pid = mapper;
	struct map_result r;
	int status;
	ssize_t n;
	if (write(go_w, "1", 1) != 1) {
		int err = errno;
		mapper_abort();
		die("namespace", err, "signal the id-map writer");
	}
	close(go_w);
	while ((n = read(res_r, &r, sizeof r)) < 0 && errno == EINTR)
		;
	close(res_r);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die_errno("namespace", "wait for the id-map writer");
	mapper = -1;
	if (n == (ssize_t)sizeof r) {
		r.msg[sizeof r.msg - 1] = 0;
		die("namespace", r.err, "%s", r.msg);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("namespace", 0, "the id-map writer for pid %ld failed (status 0x%x)", (long)getpid(), status);
}

/* In a user namespace just created or joined: the helper becomes the
 * namespace's root where 0 is mapped (EINVAL: it is not), and drops the
 * host's supplementary groups (EPERM: setgroups is denied there). */
static void become_ns_root(void)
{
	if (setgroups(0, NULL) < 0 && errno != EPERM)
		die_errno("namespace", "setgroups in the user namespace");
	if (setresgid(0, 0, 0) < 0 && errno != EINVAL)
		die_errno("namespace", "setresgid 0 in the user namespace");
	if (setresuid(0, 0, 0) < 0 && errno != EINVAL)
		die_errno("namespace", "setresuid 0 in the user namespace");
}

void platform_early(const char *types)
{
	static const int allowed = CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS;
	char list[64];
	if (strlen(types) >= sizeof list)
		die("namespace", 0, "--unshare %s: too long", types);
	strcpy(list, types);
	/* Each comma-separated item a type: an empty one (",", "pid,,net") is refused too. */
	for (char *t = list, *next; t; t = next) {
		if ((next = strchr(t, ',')))
			*next++ = 0;
		int flag = linux_ns_flag(t);
		if (!(flag & allowed) || (linux_early_flags & flag))
			die("namespace", 0, "--unshare %s: \"%s\" cannot be unshared before the plan", types, t);
		if (unshare(flag) < 0)
			die_errno("namespace", "unshare %s namespace", t);
		linux_early_flags |= flag;
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
	for (size_t i = 0; i < p->nns; i++)
		if (!p->ns[i].join && linux_ns_flag(p->ns[i].type) == CLONE_NEWUSER)
			new_userns = 1;
	if (new_userns)
		mapper_start(p);
	/* A joined user namespace first (pass 0), so the namespaces it owns can
	 * be joined with its capabilities; the mount namespace last (pass 2), as
	 * runc's nsexec: joining it changes the root and cwd, and nothing after
	 * it needs the host's. */
	for (int pass = 0; pass < 3; pass++)
		for (size_t i = 0; i < p->nns; i++) {
			int flag = linux_ns_flag(p->ns[i].type);
			if (!p->ns[i].join || (flag == CLONE_NEWUSER ? 0 : flag == CLONE_NEWNS ? 2 : 1) != pass)
				continue;
			if (setns(fds[i], flag) < 0) {
				int err = errno;
				mapper_abort();
				die("namespace", err, "setns %s namespace %s", p->ns[i].type, p->ns[i].path);
			}
			close(fds[i]);
			if (flag == CLONE_NEWUSER) {
				linux_in_userns = 1;
				become_ns_root();
			}
		}
	/* A new user namespace before the other new ones, which it then owns. */
	if (new_userns) {
		if (unshare(CLONE_NEWUSER) < 0) {
			int err = errno;
			mapper_abort();
			die("namespace", err, "unshare user namespace");
		}
		linux_in_userns = 1;
		mapper_finish();
		become_ns_root();
	}
	for (size_t i = 0; i < p->nns; i++) {
		int flag = linux_ns_flag(p->ns[i].type);
		/* A new cgroup namespace waits for the child to be in its cgroups (linux_place.c). */
		if (flag == CLONE_NEWCGROUP && linux_cgroupns_deferred())
			continue;
		if (!p->ns[i].join && flag != CLONE_NEWUSER && !(flag & linux_early_flags) && unshare(flag) < 0)
			die_errno("namespace", "unshare %s namespace", p->ns[i].type);
	}
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
