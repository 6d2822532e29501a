/* The parent half in `mode run`: it forwards the signals it gets to the
 * container process and exits with its status. With `terminal` and no
 * console socket it also relays the container's pty to the caller's
 * terminal (fds 0 and 1), as `runc run -t` does: fd 0 in raw mode, the
 * window size copied at start and on SIGWINCH. Nothing here can report an
 * error: the sync socket is closed by now. */
#include "relay.h"
#include "forwarded.h"
#include "channel.h"
#include "helper.h"
#include "tty.h"
#include "winsize.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define DRAIN_MS 100  /* after the child's exit: how long the pty may stay quiet */

/* Without a terminal all are forwarded; with one, SIGWINCH resizes the pty
 * instead (USR1 and USR2 are forwarded too rather than end the relay with
 * the terminal left raw). */

static pid_t child_pid;
static int tty_mode;
static int wake[2] = {-1, -1};  /* SIGCHLD and SIGWINCH wake the relay's poll */
static volatile sig_atomic_t winch;
static struct termios saved;
static int raw;
static struct winsize_channel ctl = {.fd = -1};  /* `winsize-channel` */

static void on_signal(int sig)
{
	int e = errno;
	if (tty_mode && (sig == SIGCHLD || sig == SIGWINCH)) {
		winch |= sig == SIGWINCH;
		if (write(wake[1], "", 1) < 0) { /* full: poll wakes anyway */ }
	} else if (sig != SIGCHLD) {
		kill(child_pid, sig);
	}
	errno = e;
}

void relay_block_signals(sigset_t *old, int tty)
{
	if (tty && pipe(wake) < 0)
		die_errno("fork", "pipe");
	for (int i = 0; tty && i < 2; i++) {
		fcntl(wake[i], F_SETFD, FD_CLOEXEC);
		fcntl(wake[i], F_SETFL, O_NONBLOCK);
	}
	sigset_t set;
	forwarded_set(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, old);
}

void relay_child(const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
	for (int i = 0; i < 2; i++)
		if (wake[i] >= 0)
			close(wake[i]);
}

static _Noreturn void finish(int st)
{
	if (raw)
		tcsetattr(0, TCSANOW, &saved);
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

/* 1 when the child has exited (status in *st); blocks when `hang`. The
 * child is waited for without reaping it first, and the forwarded signals
 * are blocked before it is reaped: from then on its pid may be anyone's, and
 * on_signal must not kill(2) it (the relay may go on draining the pty). */
static int reap(int *st, int hang)
{
	for (;;) {
		siginfo_t si;
		memset(&si, 0, sizeof si);
		if (waitid(P_PID, (id_t)child_pid, &si, WEXITED | WNOWAIT | (hang ? 0 : WNOHANG)) < 0) {
			if (errno == EINTR)
				continue;
			*st = 1 << 8;  /* exit status 1: cannot happen with our own child */
			return 1;
		}
		if (si.si_pid == 0)
			return 0;  /* WNOHANG: still running */
		sigset_t set;
		forwarded_set(&set);
		sigprocmask(SIG_BLOCK, &set, NULL);
		while (waitpid(child_pid, st, 0) < 0 && errno == EINTR)
			;
		return 1;
	}
}

static void write_all(int fd, const char *buf, size_t n)
{
	while (n) {
		ssize_t w = write(fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;  /* the reader is gone: the output is dropped */
		buf += w;
		n -= (size_t)w;
	}
}

static void copy_winsize(int master)
{
	struct winsize ws;
	if (ioctl(0, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
		ioctl(master, TIOCSWINSZ, &ws);
}

/* Copies what the master has to fd 1. Returns 0 once no slave is open any
 * more (EIO on Linux, end of file elsewhere) or on an error. */
static int pump_out(int master, short revents)
{
	char buf[16384];
	ssize_t n = read(master, buf, sizeof buf);
	if (n > 0) {
		write_all(1, buf, (size_t)n);
		return 1;
	}
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return !(revents & POLLHUP) || errno == EINTR;
	return 0;
}

static _Noreturn void relay_tty(int master)
{
	if (isatty(0) && tcgetattr(0, &saved) == 0) {
		struct termios t = saved;
		cfmakeraw(&t);
		raw = tcsetattr(0, TCSANOW, &t) == 0;
	}
	copy_winsize(master);
	fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
	char in[4096];
	size_t inlen = 0, inoff = 0;
	int in_open = 1, master_open = 1, st;
	/* fd 0 stays blocking (the caller shares it): it is read only when poll
	 * says so, and only when the last read has gone to the master. */
	while (!reap(&st, 0)) {
		if (winch) {
			winch = 0;
			copy_winsize(master);
		}
		struct pollfd fds[4] = {
			{wake[0], POLLIN, 0},
			{in_open && !inlen ? 0 : -1, POLLIN, 0},
			{master_open ? master : -1, (short)(POLLIN | (inlen ? POLLOUT : 0)), 0},
			{ctl.fd, POLLIN, 0},
		};
		if (poll(fds, 4, -1) < 0)
			continue;  /* EINTR: check the child again */
		char b[64];
		if (fds[0].revents)
			while (read(wake[0], b, sizeof b) > 0)
				;
		if (fds[1].revents) {
			ssize_t n = read(0, in, sizeof in);
			if (n > 0) {
				inlen = (size_t)n;
				inoff = 0;
			} else if (n == 0 || errno != EINTR) {
				in_open = 0;  /* end of input: the container keeps running */
			}
		}
		if ((fds[2].revents & POLLOUT) && inlen) {
			ssize_t n = write(master, in + inoff, inlen);
			if (n > 0) {
				inoff += (size_t)n;
				inlen -= (size_t)n;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				inlen = 0;
			}
		}
		if (fds[2].revents & (POLLIN | POLLHUP | POLLERR))
			master_open = pump_out(master, fds[2].revents);
		if (fds[3].revents)
			winsize_channel_read(&ctl, master);
	}
	/* The child is gone; what it wrote last may still be in the pty. A
	 * process it left behind may hold the slave: stop when it is quiet. */
	while (master_open) {
		struct pollfd pf = {master, POLLIN, 0};
		int r = poll(&pf, 1, DRAIN_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		master_open = pump_out(master, pf.revents);
	}
	finish(st);
}

void relay_run(pid_t child, int tty, int control, const sigset_t *old)
{
	child_pid = child;
	tty_mode = tty >= 0;
	/* Only stdio, the socketpair, the wake pipe and the window-size channel:
	 * nothing else of the helper's (the state dir, a console socket,
	 * preserved fds) stays open. */
	int keep[] = {tty, wake[0], wake[1], control};
	fds_close_except(keep, 4);
	ctl.fd = tty_mode ? control : -1;
	if (tty_mode) {
		/* Raw mode from a background process group must not stop us. */
		signal(SIGTTOU, SIG_IGN);
		signal(SIGTTIN, SIG_IGN);
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < FORWARDED_N; i++)
		sigaction(forwarded[i], &sa, NULL);
	if (tty_mode)
		sigaction(SIGCHLD, &sa, NULL);
	sigprocmask(SIG_SETMASK, old, NULL);

	int st, master = tty_mode ? tty_recv_fd(tty) : -1;
	if (tty >= 0)
		close(tty);
	if (master < 0) {  /* no terminal, or the child died before sending it */
		reap(&st, 1);
		finish(st);
	}
	relay_tty(master);
}
