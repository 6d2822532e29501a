/* The Node shim started as a daemon, as src/shim/launch.ts's spawnServer
 * does: a new session, stdio on /dev/null (containerd reads `start`'s
 * stdout and stderr until they close: a daemon holding them would hang it),
 * the flags again with `-socket` and the `serve` action, and a pipe as fd 3
 * on which it says "ok", "busy" (another shim of the group won the listen)
 * or "error ...". Doing this here rather than in a Node `start` saves one
 * Node start-up on every new shim. */
#include "shim_launch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static _Noreturn void daemon_child(const struct shim_flags *f, const char *bundle, const char *socket, const char *script, int ready)
{
	setsid();
	int null = open("/dev/null", O_RDWR);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
		_exit(127);
	if (ready != 3) {
		if (dup2(ready, 3) < 0)
			_exit(127);
		close(ready);
	} else {
		fcntl(3, F_SETFD, 0);
	}
	/* src/shim/flags.ts toArgv(flags, 'serve'), the same order. */
	const char *argv[20];
	int n = 0;
	argv[n++] = "node";
	argv[n++] = "--no-warnings";
	argv[n++] = script;
	argv[n++] = "-namespace", argv[n++] = f->namespace;
	argv[n++] = "-id", argv[n++] = f->id;
	argv[n++] = "-address", argv[n++] = f->address;
	if (f->publish_binary[0])
		argv[n++] = "-publish-binary", argv[n++] = f->publish_binary;
	argv[n++] = "-bundle", argv[n++] = bundle;
	argv[n++] = "-socket", argv[n++] = socket;
	if (f->debug)
		argv[n++] = "-debug";
	argv[n++] = "serve";
	argv[n] = NULL;
	const char *node = getenv("RUNJ_NODE");
	if (node && *node)
		execv(node, (char *const *)argv);
	else
		execvp("node", (char *const *)argv);
	_exit(127);
}

int shim_spawn_server(const struct shim_flags *f, const char *bundle, const char *socket, const char *script, char *answer, size_t size)
{
	int p[2];
	answer[0] = '\0';
	if (pipe(p) < 0)
		return -1;
	fcntl(p[0], F_SETFD, FD_CLOEXEC);
	fcntl(p[1], F_SETFD, FD_CLOEXEC);
	char addr[512];
	if ((size_t)snprintf(addr, sizeof addr, "unix://%s", socket) >= sizeof addr)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		daemon_child(f, bundle, addr, script, p[1]);
	}
	close(p[1]);
	/* The pipe ends when the daemon has answered, or died: it holds the only writer. */
	size_t len = 0;
	for (;;) {
		ssize_t r = read(p[0], answer + len, size - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
		if (len == size - 1)
			break;
	}
	close(p[0]);
	answer[len] = '\0';
	while (len && (answer[len - 1] == '\n' || answer[len - 1] == ' '))
		answer[--len] = '\0';
	/* A daemon that died before answering is reaped here; a live one is not waited for. */
	int st;
	waitpid(pid, &st, WNOHANG);
	return len ? 0 : -1;
}
