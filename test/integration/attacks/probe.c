/* Prober for test/integration/escape.test.ts (exec'd into a created
 * container whose pid 1 is the helper parked on exec.fifo): what of pid 1
 * can a container process reach? One line per check: "<name> ok" or
 * "<name> <error>". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void report(const char *name, int r)
{
	printf("%s %s\n", name, r >= 0 ? "ok" : strerror(errno));
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Each of the helper's possible fds. (Listing /proc/1/fd shows only
	 * numbers; opening an entry is what reaches the file.) */
	int any = -1, err = ENOENT;
	for (int n = 0; n < 16; n++) {
		char path[64];
		snprintf(path, sizeof path, "/proc/1/fd/%d", n);
		int fd = open(path, O_PATH | O_CLOEXEC);
		if (fd >= 0) {
			any = 0;
			close(fd);
		} else if (errno != ENOENT) {
			err = errno;
		}
	}
	errno = err;
	report("fd-open", any);
	report("exe-path", open("/proc/1/exe", O_PATH | O_CLOEXEC));
	report("exe-write", open("/proc/1/exe", O_WRONLY | O_CLOEXEC));
	report("mem", open("/proc/1/mem", O_RDONLY | O_CLOEXEC));
	int env = open("/proc/1/environ", O_RDONLY | O_CLOEXEC);
	char buf[64];
	report("environ", env < 0 ? -1 : (int)read(env, buf, sizeof buf));
	report("cwd", chdir("/proc/1/cwd"));
	return 0;
}
