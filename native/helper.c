/* runj-helper <sync-fd>: applies the plan Node sends, reports ready, waits on
 * exec.fifo and execve's the container process in its own place. The stages
 * below are numbered as in README.md; platform steps are in platform.h. */
#include "channel.h"
#include "helper.h"
#include "hooks.h"
#include "plan.h"
#include "platform.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__linux__) && !defined(CLOSE_RANGE_CLOEXEC)
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *s = buf + 1;; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;
		*s = 0;
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -1;
		*s = c;
		if (!c)
			break;
	}
	struct stat st;
	if (stat(buf, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

static void set_cloexec(int fd, int on)
{
	int fl = fcntl(fd, F_GETFD);
	if (fl >= 0)
		fcntl(fd, F_SETFD, on ? fl | FD_CLOEXEC : fl & ~FD_CLOEXEC);
}

void fds_cloexec_from(int first)
{
#ifndef RUNJ_NO_CLOSE_RANGE /* -DRUNJ_NO_CLOSE_RANGE tests the fallbacks */
#if defined(__linux__) && defined(SYS_close_range)
	if (syscall(SYS_close_range, (unsigned)first, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
#elif defined(CLOSE_RANGE_CLOEXEC)
	if (close_range((unsigned)first, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
#endif
#endif
	/* Older kernels: the open fds from /proc, else every fd up to the limit. */
	DIR *d = opendir("/proc/self/fd");
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)))
			if (e->d_name[0] != '.' && atoi(e->d_name) >= first && atoi(e->d_name) != dirfd(d))
				set_cloexec(atoi(e->d_name), 1);
		closedir(d);
		return;
	}
	long max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > (1L << 20))
		max = 1L << 20;
	for (int fd = first; fd < max; fd++)
		set_cloexec(fd, 1);
}

/* 1. exec.fifo in the state dir; the dir stays open so the fifo can be
 * opened after the root changes. */
static int make_fifo(const struct plan *p, int *path_fd)
{
	int dir = open(p->fifo_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		die_errno("fifo", "open state dir %s", p->fifo_dir);
	if (mkfifoat(dir, "exec.fifo", 0622) < 0)
		die_errno("fifo", "create %s/exec.fifo", p->fifo_dir);
	if (fchmodat(dir, "exec.fifo", 0622, 0) < 0)  /* whatever the umask */
		die_errno("fifo", "chmod %s/exec.fifo", p->fifo_dir);
	*path_fd = -1;
#if defined(__linux__) && defined(O_PATH)
	*path_fd = openat(dir, "exec.fifo", O_PATH | O_CLOEXEC);
#endif
	return dir;
}

/* 9, 10. Checks (W_OK) or opens the fifo for writing, as the container's
 * user. Like runc, through /proc/self/fd and the O_PATH fd taken as root:
 * that needs no search permission on the state dir, which Node may keep
 * 0700. Without /proc in the container, through the state dir. */
static int fifo_open(int dir, int path_fd, int check)
{
	if (path_fd >= 0) {
		char proc[64];
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", path_fd);
		int r = check ? faccessat(AT_FDCWD, proc, W_OK, AT_EACCESS) : open(proc, O_WRONLY | O_CLOEXEC);
		if (r >= 0 || errno != ENOENT)
			return r;
	}
	return check ? faccessat(dir, "exec.fifo", W_OK, AT_EACCESS) : openat(dir, "exec.fifo", O_WRONLY | O_CLOEXEC);
}

/* 3. The parent half sends the child's pid, then exits (create) or relays
 * the child's exit status (run). Returns in the child. */
static void fork_container(const struct plan *p, int sync)
{
	int go[2];
	if (pipe2(go, O_CLOEXEC) < 0)
		die_errno("fork", "pipe");
	pid_t pid = fork();
	if (pid < 0)
		die_errno("fork", "fork");
	if (pid == 0) {
		/* Wait until the parent has sent "pid": it comes first on the socket. */
		char c;
		close(go[1]);
		while (read(go[0], &c, 1) < 0 && errno == EINTR)
			;
		close(go[0]);
		return;
	}
	close(go[0]);
	chan_send_pid(pid);
	close(go[1]);
	close(sync);  /* Node sees end of file once the child is done with it */
	if (p->mode == MODE_CREATE)
		_exit(0);
	for (int fd = 3; fd < 3 + p->preserve_fds; fd++)
		close(fd);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			_exit(1);
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

/* 6. The working directory is created as root, before the uid changes
 * and before the root turns read-only. */
static void make_cwd(const struct plan *p)
{
	struct stat st;
	if (p->cwd && stat(p->cwd, &st) < 0 && errno == ENOENT && mkdir_p(p->cwd, 0755) < 0)
		die_errno("cwd", "mkdir %s", p->cwd);
}

/* 7. rlimits, then groups, gid and uid around the platform's steps. */
static void set_process(const struct plan *p)
{
	for (size_t i = 0; i < p->nrlimits; i++) {
		const struct rlimit_rec *r = &p->rlimits[i];
		struct rlimit rl = {
			.rlim_cur = r->soft < 0 ? RLIM_INFINITY : (rlim_t)r->soft,
			.rlim_max = r->hard < 0 ? RLIM_INFINITY : (rlim_t)r->hard,
		};
		if (setrlimit(r->resource, &rl) < 0)
			die_errno("rlimit", "setrlimit %d (soft %lld, hard %lld)", r->resource,
			          (long long)r->soft, (long long)r->hard);
	}
	platform_before_setuid(p);
	if (p->has_user) {
		/* Without a groups record the container gets none, never root's. */
		size_t n = p->ngroups;
		gid_t *g = p->groups;
#ifdef __FreeBSD__
		/* Before FreeBSD 15 the first entry is the effective gid. */
		gid_t buf[n + 1];
		buf[0] = p->gid;
		memcpy(buf + 1, p->groups, n * sizeof *g);
		g = buf;
		n++;
#endif
		if (setgroups(n, g) < 0)
			die_errno("user", "setgroups (%zu groups)", p->ngroups);
		if (setresgid(p->gid, p->gid, p->gid) < 0)
			die_errno("user", "setgid %u", (unsigned)p->gid);
		if (setresuid(p->uid, p->uid, p->uid) < 0)
			die_errno("user", "setuid %u", (unsigned)p->uid);
	} else if (p->has_groups && setgroups(p->ngroups, p->groups) < 0) {
		die_errno("user", "setgroups (%zu groups)", p->ngroups);
	}
	platform_after_setuid(p);
	if (p->has_umask)
		umask(p->umask);
	if (p->cwd && chdir(p->cwd) < 0)
		die_errno("cwd", "chdir %s", p->cwd);
}

static int executable(const char *path, int *err)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		*err = errno;
		return 0;
	}
	if (S_ISDIR(st.st_mode)) {
		*err = EISDIR;
		return 0;
	}
	if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) < 0) {
		*err = errno;
		return 0;
	}
	return 1;
}

/* 8. argv[0] against the container's PATH, with runc's error text. */
static char *resolve_exe(const struct plan *p)
{
	const char *name = p->argv[0];
	int err;
	if (strchr(name, '/')) {
		if (!executable(name, &err))
			die("exec", err, "exec: \"%s\"", name);
		return (char *)name;
	}
	const char *path = DEFAULT_PATH;
	for (size_t i = 0; i < p->envc; i++)
		if (strncmp(p->envp[i], "PATH=", 5) == 0)
			path = p->envp[i] + 5;  /* the last one wins, as in a shell */
	for (const char *dir = path;; ) {
		size_t n = strcspn(dir, ":");
		char cand[PATH_MAX];
		/* An empty entry is the current directory. */
		if (snprintf(cand, sizeof cand, "%.*s/%s", (int)(n ? n : 1), n ? dir : ".", name) < (int)sizeof cand &&
		    executable(cand, &err))
			return strdup(cand);
		if (!dir[n])
			break;
		dir += n + 1;
	}
	die("exec", 0, "exec: \"%s\": executable file not found in $PATH", name);
}

/* 1. The preserved fds must be there before the helper opens anything,
 * or its own fds could take their numbers. Everything above them is marked
 * close-on-exec now (for the hooks) and again at 9 (for the container). */
static void check_fds(const struct plan *p, long sync)
{
	for (int fd = 3; fd < 3 + p->preserve_fds; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			die_errno("fds", "preserved fd %d", fd);
	if (sync < 3 + p->preserve_fds)
		die("plan", 0, "sync fd %ld is among the %d preserved fds", sync, p->preserve_fds);
	fds_cloexec_from(3 + p->preserve_fds);
}

/* While parked on the fifo the helper may be pid 1 of a new pid namespace,
 * which the kernel shields from every signal it has no handler for (except
 * SIGKILL and SIGSTOP from an ancestor). `runj kill ID TERM` on a created
 * container must still end it, so the parked helper exits on the usual
 * termination signals; execve resets the handlers for the user process. */
static void parked_exit(int sig)
{
	_exit(128 + sig);
}

static void park_signals(void (*handler)(int))
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM };
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
}

/* 9. Only stdio and the preserved fds reach the container. */
static void set_fds(const struct plan *p)
{
	for (int fd = 3; fd < 3 + p->preserve_fds; fd++)
		set_cloexec(fd, 0);
	fds_cloexec_from(3 + p->preserve_fds);
}

int main(int argc, char **argv)
{
	/* Writes to a closed socket or fifo must fail, not kill the helper.
	 * Reset to the default before any execve (it is inherited). */
	signal(SIGPIPE, SIG_IGN);
	char *end;
	long sync = argc == 2 ? strtol(argv[1], &end, 10) : -1;
	if (argc != 2 || *end || sync < 3 || sync > INT_MAX || fcntl((int)sync, F_GETFD) < 0)
		return 2;  /* no channel to report on; fds 0-2 are the container's */
	set_cloexec((int)sync, 1);  /* hooks and the container must not get it */
	int fl = fcntl((int)sync, F_GETFL);  /* the reader wants blocking reads */
	if (fl >= 0 && (fl & O_NONBLOCK))
		fcntl((int)sync, F_SETFL, fl & ~O_NONBLOCK);
	chan_set_fd((int)sync);

	/* 1. */
	struct plan plan, *p = &plan;
	plan_read(p, (int)sync);
	platform_check(p);
	check_fds(p, sync);
	int fifo_path;
	int state_dir = make_fifo(p, &fifo_path);

	/* 2, 3. */
	platform_enter(p);
	if (p->fork)
		fork_container(p, (int)sync);
	else
		chan_send_pid(getpid());

	/* 4, 5. */
	platform_prepare_root(p);
	chan_send("{\"type\":\"hooks\"}");
	plan_read_hooks_answer(p, (int)sync);
	hooks_run(p, HOOK_CREATE_CONTAINER, p->state_creating);

	/* 6 - 8. */
	platform_switch_root(p);
	platform_finish_root(p);
	make_cwd(p);  /* before a read-only root */
	platform_restrict_root(p);
	set_process(p);
	char *exe = resolve_exe(p);

	/* 9. Check now that the fifo can be opened: after ready nothing can be
	 * reported until it is. */
	set_fds(p);
	if (fifo_open(state_dir, fifo_path, 1) < 0)
		die_errno("fifo", "exec.fifo in %s is not writable by uid %u", p->fifo_dir, (unsigned)geteuid());
	park_signals(parked_exit);
	chan_send("{\"type\":\"ready\"}");
	close((int)sync);
	chan_set_fd(-1);

	/* 10. Blocks until `start` opens the fifo for reading. */
	int fifo = fifo_open(state_dir, fifo_path, 0);
	if (fifo < 0)
		die_errno("fifo", "open exec.fifo");
	while (write(fifo, "0", 1) != 1)
		if (errno != EINTR)
			die_errno("fifo", "write exec.fifo");
	chan_set_fd(fifo);
	close(state_dir);
	if (fifo_path >= 0)
		close(fifo_path);

	/* 11. */
	park_signals(SIG_DFL);
	hooks_run(p, HOOK_START_CONTAINER, p->state_created);
	signal(SIGPIPE, SIG_DFL);
	execve(exe, p->argv, p->envp);
	die_errno("exec", "exec %s", exe);
}
