/* runj-helper <sync-fd>: applies the plan Node sends, reports ready, waits on
 * exec.fifo and execve's the container process in its own place (in exec
 * mode: joins a running container and execve's at once). The stages below
 * are numbered as in README.md; platform steps are in platform.h. */
#include "channel.h"
#include "helper.h"
#include "hooks.h"
#include "plan.h"
#include "platform.h"
#include "relay.h"
#include "selfexec.h"
#include "tty.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

#ifdef RUNJ_SECCOMP
#define SECCOMP_FEATURE "true"
#else
#define SECCOMP_FEATURE "false"
#endif

/* 1. exec.fifo in the state dir. Only an O_PATH fd on the fifo is kept, so
 * the fifo can be opened after the root changes: never the directory. A
 * host directory fd held in the container is an escape (openat(fd, "..")
 * walks the host; chdir to /proc/self/fd/N leaves the root), both for the
 * container process and for a process exec'd into a created container
 * while this helper is parked as its pid 1 (README.md, "Security"). */
static int make_fifo(const struct plan *p)
{
	int dir = open(p->fifo_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		die_errno("fifo", "open state dir %s", p->fifo_dir);
	if (mkfifoat(dir, "exec.fifo", 0622) < 0)
		die_errno("fifo", "create %s/exec.fifo", p->fifo_dir);
	if (fchmodat(dir, "exec.fifo", 0622, 0) < 0)  /* whatever the umask */
		die_errno("fifo", "chmod %s/exec.fifo", p->fifo_dir);
	int fifo = openat(dir, "exec.fifo", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fifo < 0)
		die_errno("fifo", "open %s/exec.fifo", p->fifo_dir);
	close(dir);
	return fifo;
}

#ifndef __FreeBSD__
/* The fifo reopened is the one made at stage 1 (not something the
 * container put at a path), else -1 with errno EXDEV. A seccomp filter
 * loaded before the uid change may deny fstat (EPERM): then the open is
 * taken as it is, as before this check existed. */
static int same_fifo(int fd, int path_fd)
{
	struct stat a, b;
	if (fd < 0)
		return fd;
	if (fstat(fd, &a) < 0 || fstat(path_fd, &b) < 0)
		return errno == EPERM || errno == ENOSYS ? fd : (close(fd), -1);
	if (a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return fd;
	close(fd);
	errno = EXDEV;
	return -1;
}
#endif

/* 9, 10. Checks (W_OK) or opens the fifo for writing, as the container's
 * user, from the O_PATH fd: that needs no search permission on the state
 * dir (Node keeps it 0711 or 0700). */
static int fifo_open(const struct plan *p, int path_fd, int check)
{
#ifdef __FreeBSD__
	/* O_EMPTY_PATH reopens the fd itself: no lookup, so nothing to
	 * resolve inside or outside the jail. */
	(void)p;
	if (check)
		return 0;  /* mode 0622, set at stage 1: anyone may open it for writing */
	return openat(path_fd, "", O_EMPTY_PATH | O_WRONLY | O_CLOEXEC);
#else
	/* Linux has no reopen call: /proc/self/fd/N is the way (as runc). */
	char proc[64];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", path_fd);
	int r = check ? faccessat(AT_FDCWD, proc, W_OK, AT_EACCESS) : same_fifo(open(proc, O_WRONLY | O_CLOEXEC), path_fd);
	if (r >= 0 || errno != ENOENT)
		return r;
	/* No /proc in the container. Without a root of its own the helper
	 * still sees the host's paths, so the fifo's own path does. With a
	 * root, the only other way would be a host directory fd, which the
	 * container must never be able to reach: refused, as runc does. */
	if (p->root || p->has_join_root)
		die("fifo", 0, "exec.fifo: the container has no /proc: runj-helper reopens exec.fifo through /proc/self/fd and keeps no host directory open in the container; mount proc at /proc");
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "%s/exec.fifo", p->fifo_dir) >= (int)sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return check ? faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) : same_fifo(open(path, O_WRONLY | O_CLOEXEC), path_fd);
#endif
}

/* 3. The parent half sends the child's pid, then exits (create) or relays
 * the child's exit status, signals and maybe its terminal (run, relay.c).
 * Returns in the child; *tty is then the child's end of the socketpair it
 * sends its pty master on, when the parent half relays the terminal. */
static void fork_container(const struct plan *p, int sync, int *tty)
{
	int go[2], pair[2] = {-1, -1};
	sigset_t old;
	if (pipe2(go, O_CLOEXEC) < 0)
		die_errno("fork", "pipe");
	if (p->has_terminal && !p->console_socket &&
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
		die_errno("console", "socketpair");
	if (p->mode == MODE_RUN)
		relay_block_signals(&old, pair[0] >= 0);
	pid_t pid = fork();
	if (pid < 0)
		die_errno("fork", "fork");
	if (pid == 0) {
		if (p->mode == MODE_RUN)
			relay_child(&old);
		if (pair[0] >= 0) {
			close(pair[0]);
			*tty = pair[1];
		}
		/* "pid" comes first on the socket: the child's first message waits
		 * for the parent to have sent it, but its work (the mounts) does
		 * not. Held here, it lost ~1 ms whenever Node, woken by "pid",
		 * took the CPU the parent needed to let it go (two CPUs). */
		close(go[1]);
		chan_set_gate(go[0]);
		return;
	}
	close(go[0]);
	chan_send_pid(pid);
	/* Node records the pid while the child is moved into its cgroups (the
	 * first move waits for an RCU grace period) and starts on its mounts. */
	platform_place(pid);
	close(go[1]);
	/* Node sees end of file once the child is done with it; with
	 * `winsize-channel` only once the relay ends too. */
	int control = p->mode == MODE_RUN && p->winsize_channel ? sync : -1;
	if (control < 0)
		close(sync);
	if (p->mode == MODE_CREATE)
		_exit(0);
	if (pair[1] >= 0)
		close(pair[1]);
	relay_run(pid, pair[0], control, &old);
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

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--features") == 0) {
		printf("{\"seccomp\":%s,\"tty\":true}\n", SECCOMP_FEATURE);
		return 0;
	}
	/* First, before any fd is touched: may re-execute (selfexec.h). */
	const char *unprotected = self_protect(argv, environ);
	int unprotected_errno = errno;
	/* Writes to a closed socket or fifo must fail, not kill the helper.
	 * Reset to the default before any execve (it is inherited). */
	signal(SIGPIPE, SIG_IGN);
	/* runj-helper [--unshare TYPES] SYNC-FD */
	const char *early = argc == 4 && strcmp(argv[1], "--unshare") == 0 ? argv[2] : NULL;
	const char *fd_arg = argc == 2 || early ? argv[argc - 1] : "";
	char *end;
	long sync = strtol(fd_arg, &end, 10);
	if (end == fd_arg || *end || sync < 3 || sync > INT_MAX || fcntl((int)sync, F_GETFD) < 0)
		return 2;  /* no channel to report on; fds 0-2 are the container's */
	fd_cloexec((int)sync, 1);  /* hooks and the container must not get it */
	int fl = fcntl((int)sync, F_GETFL);  /* the reader wants blocking reads */
	if (fl >= 0 && (fl & O_NONBLOCK))
		fcntl((int)sync, F_SETFL, fl & ~O_NONBLOCK);
	chan_set_fd((int)sync);
	if (unprotected)
		die("helper", unprotected_errno, "%s", unprotected);
	/* 0. While Node reads, validates and plans (create starts the helper first). */
	if (early)
		platform_early(early);

	/* 1. */
	struct plan plan, *p = &plan;
	plan_read(p, (int)sync);
	platform_check(p);
	fds_check(p, sync);
	int fifo_path = -1, tty = -1;
	if (!p->exec)
		fifo_path = make_fifo(p);
	if (p->console_socket)
		tty = tty_connect(p->console_socket);
	platform_prepare(p);

	/* 2, 3. */
	platform_enter(p);
	if (p->fork)
		fork_container(p, (int)sync, &tty);
	else
		chan_send_pid(getpid());

	/* 4, 5. */
	if (!p->exec) {
		platform_prepare_root(p);
		platform_placed();
		chan_send("{\"type\":\"hooks\"}");
		plan_read_hooks_answer(p, (int)sync);
		hooks_run(p, HOOK_CREATE_CONTAINER, p->state_creating);
	}

	/* 6 - 8. */
	platform_switch_root(p);
	platform_join_root(p);
	if (p->has_terminal)
		tty_setup(p, tty);
	platform_finish_root(p);
	/* Before the cwd is looked at: from here on only stdio, the preserved
	 * fds and the protocol fds are open, so no path (process.cwd
	 * /proc/self/fd/N, a symlink to it) can reach a host directory. */
	int keep[] = {(int)sync, fifo_path};
	platform_placed();  /* exec's child, which has no hooks' message */
	chan_pass_gate();  /* exec sends nothing before this: the gate is not closed unpassed */
	fds_close_from(3 + p->preserve_fds, keep, fifo_path >= 0 ? 2 : 1);
	if (!p->exec)
		make_cwd(p);  /* before a read-only root; exec does not create it, as runc */
	platform_restrict_root(p);
	set_process(p);
	char *exe = resolve_exe(p);

	/* 9. */
	fds_for_exec(p);
	if (p->exec) {
		platform_after_setuid(p);
		/* No fifo: on at once. The socket stays open (close-on-exec) until
		 * execve, so Node still gets the error line if the filter load or
		 * execve fails, and end of file once the process runs. */
		chan_send("{\"type\":\"ready\"}");
		platform_before_exec(p);
		platform_placed();
		signal(SIGPIPE, SIG_DFL);
		execve(exe, p->argv, p->envp);
		die_errno("exec", "exec %s", exe);
	}
	/* Check now that the fifo can be opened: after ready nothing can be
	 * reported until it is. */
	if (fifo_open(p, fifo_path, 1) < 0)
		die_errno("fifo", "exec.fifo in %s is not writable by uid %u", p->fifo_dir, (unsigned)geteuid());
	platform_after_setuid(p);
	park_signals(parked_exit);
	chan_send("{\"type\":\"ready\"}");
	close((int)sync);
	chan_set_fd(-1);

	/* 10. Blocks until `start` opens the fifo for reading. */
	int fifo = fifo_open(p, fifo_path, 0);
	if (fifo < 0)
		die_errno("fifo", "open exec.fifo");
	while (write(fifo, "0", 1) != 1)
		if (errno != EINTR)
			die_errno("fifo", "write exec.fifo");
	chan_set_fd(fifo);
	close(fifo_path);

	/* 11. */
	park_signals(SIG_DFL);
	hooks_run(p, HOOK_START_CONTAINER, p->state_created);
	platform_before_exec(p);
	platform_placed();
	signal(SIGPIPE, SIG_DFL);
	execve(exe, p->argv, p->envp);
	die_errno("exec", "exec %s", exe);
}
