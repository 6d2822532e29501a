/* Hooks: fork + execve, the state JSON on stdin, stdout and stderr captured
 * together (the first 4 KiB) for the error, SIGKILL at the timeout.
 *
 * Each hook leads its own process group, and the whole group is killed when
 * the hook exits or times out: a child it leaves behind (`sleep 30 &`) must
 * neither hold the helper (it would keep the output pipe open) nor outlive
 * the stage it belongs to. The group is killed while the hook is still an
 * unreaped zombie, so its pid (the group id) cannot have been reused. */
#include "hooks.h"
#include "channel.h"
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define OUTPUT_MAX 4096  /* as HOOK_OUTPUT_MAX in src/core/readLimited.ts */
#define TICK_MS 50  /* how often a running hook is checked for exit */

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static _Noreturn void hook_child(const struct hook_rec *h, int in, int out)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);  /* the helper ignores it; execve would keep that */
	setpgid(0, 0);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(127);
	fds_cloexec_from(3);  /* preserved fds and the like are not the hook's */
	execve(h->path, h->argv, h->envp);
	dprintf(2, "exec %s: %s", h->path, strerror(errno));
	_exit(127);
}

/* Reads what is there from the output pipe; keeps the first OUTPUT_MAX bytes.
 * Returns 0 at end of file. */
static int drain(int fd, char *buf, size_t *len, int *truncated)
{
	char tmp[4096];
	for (;;) {
		ssize_t r = read(fd, tmp, sizeof tmp);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno == EAGAIN;  /* nothing more for now; other errors: like EOF */
		if (r == 0)
			return 0;
		size_t take = (size_t)r < OUTPUT_MAX - *len ? (size_t)r : OUTPUT_MAX - *len;
		memcpy(buf + *len, tmp, take);
		*len += take;
		if (take < (size_t)r)
			*truncated = 1;
	}
}

static void run_hook(const struct hook_rec *h, const char *state, const char *stage)
{
	int in[2], out[2];
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		die_errno(stage, "%s hook %s: pipe", stage, h->path);
	pid_t pid = fork();
	if (pid < 0)
		die_errno(stage, "%s hook %s: fork", stage, h->path);
	if (pid == 0)
		hook_child(h, in[0], out[1]);
	setpgid(pid, pid);  /* also here: the group must exist before any kill(-pid) */
	close(in[0]);
	close(out[1]);
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	fcntl(out[0], F_SETFL, O_NONBLOCK);

	/* A hook may not read its stdin, and may leave a daemon holding its
	 * stdout: so poll both pipes in short ticks and stop when it exits. */
	char output[OUTPUT_MAX + 1];
	size_t len = 0, state_len = strlen(state), state_left = state_len;
	int truncated = 0, status = 0, timed_out = 0;
	long long deadline = h->timeout ? now_ms() + (long long)h->timeout * 1000 : 0;
	if (!state_left) {
		close(in[1]);
		in[1] = -1;
	}
	for (;;) {
		siginfo_t si = {0};
		/* WNOWAIT: the exited hook stays a zombie until its group is killed. */
		int w = waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT);
		if (w < 0 && errno != EINTR)
			die_errno(stage, "%s hook %s: waitid", stage, h->path);
		if (w == 0 && si.si_pid == pid)
			break;
		if (deadline && now_ms() >= deadline) {
			timed_out = 1;
			break;
		}
		struct pollfd fds[2] = {{.fd = out[0], .events = POLLIN}, {.fd = in[1], .events = POLLOUT}};
		if (poll(fds, 2, TICK_MS) < 0 && errno != EINTR)
			die_errno(stage, "%s hook %s: poll", stage, h->path);
		if (out[0] >= 0 && fds[0].revents && !drain(out[0], output, &len, &truncated)) {
			close(out[0]);
			out[0] = -1;
		}
		if (in[1] >= 0 && fds[1].revents) {
			ssize_t n = write(in[1], state + state_len - state_left, state_left);
			if (n > 0)
				state_left -= (size_t)n;
			if ((n < 0 && errno != EAGAIN && errno != EINTR) || !state_left) {
				close(in[1]);  /* done, or the hook closed its stdin (EPIPE) */
				in[1] = -1;
			}
		}
	}
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);  /* in case the hook itself left its group (setsid) */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (out[0] >= 0)
		drain(out[0], output, &len, &truncated);  /* what was written before the kill */
	if (in[1] >= 0)
		close(in[1]);
	if (out[0] >= 0)
		close(out[0]);

	char what[128];
	if (timed_out)
		snprintf(what, sizeof what, "timed out after %us (killed)", h->timeout);
	else if (WIFSIGNALED(status))
		snprintf(what, sizeof what, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (WEXITSTATUS(status) != 0)
		snprintf(what, sizeof what, "exit status %d", WEXITSTATUS(status));
	else
		return;
	while (len && (output[len - 1] == '\n' || output[len - 1] == '\r' || output[len - 1] == ' '))
		len--;
	output[len] = 0;
	if (len)
		die(stage, 0, "%s hook %s: %s, output: \"%s%s\"", stage, h->path, what, output, truncated ? "..." : "");
	die(stage, 0, "%s hook %s: %s", stage, h->path, what);
}

void hooks_run(const struct plan *p, int stage, const char *state)
{
	const char *name = stage == HOOK_CREATE_CONTAINER ? "createContainer" : "startContainer";
	for (size_t i = 0; i < p->nhooks; i++)
		if (p->hooks[i].stage == stage)
			run_hook(&p->hooks[i], state ? state : "", name);
}
