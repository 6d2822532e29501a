/* The helper's fds: the preserved ones, close-on-exec for the rest, and
 * the parent half's clean-up (README.md, "Invocation"). */
#include "helper.h"
#include "channel.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__linux__) && !defined(CLOSE_RANGE_CLOEXEC)
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#ifndef RUNJ_NO_CLOSE_RANGE /* -DRUNJ_NO_CLOSE_RANGE tests the fallbacks */
#if defined(__linux__) && defined(SYS_close_range)
#define CLOSE_RANGE(lo, hi, fl) syscall(SYS_close_range, (unsigned)(lo), (unsigned)(hi), (fl))
#elif defined(CLOSE_RANGE_CLOEXEC)
#define CLOSE_RANGE(lo, hi, fl) close_range((unsigned)(lo), (unsigned)(hi), (fl))
#endif
#endif

void fd_cloexec(int fd, int on)
{
	int fl = fcntl(fd, F_GETFD);
	if (fl >= 0)
		fcntl(fd, F_SETFD, on ? fl | FD_CLOEXEC : fl & ~FD_CLOEXEC);
}

static int kept(int fd, const int *keep, size_t nkeep)
{
	for (size_t i = 0; i < nkeep; i++)
		if (keep[i] == fd)
			return 1;
	return 0;
}

static void apply(int fd, int doclose)
{
	if (doclose)
		close(fd);
	else
		fd_cloexec(fd, 1);
}

/* Marks close-on-exec, or closes, each open fd >= lo but those in keep:
 * close_range on the ranges between the kept fds, else (older kernels) the
 * open fds listed in /proc/self/fd, else every fd up to the limit. */
static void fds_apply(int lo, int doclose, const int *keep, size_t nkeep)
{
#ifdef CLOSE_RANGE
	for (;;) {
		int next = INT_MAX;
		for (size_t i = 0; i < nkeep; i++)
			if (keep[i] >= lo && keep[i] < next)
				next = keep[i];
		if (next > lo && CLOSE_RANGE(lo, next - 1, doclose ? 0 : CLOSE_RANGE_CLOEXEC) < 0)
			break;  /* not supported: the fallbacks, from lo */
		if (next == INT_MAX)
			return;
		lo = next + 1;
	}
#endif
	DIR *d = opendir("/proc/self/fd");
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			int fd = atoi(e->d_name);
			if (e->d_name[0] != '.' && fd >= lo && fd != dirfd(d) && !kept(fd, keep, nkeep))
				apply(fd, doclose);
		}
		closedir(d);
		return;
	}
	long max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > (1L << 20))
		max = 1L << 20;
	for (int fd = lo; fd < max; fd++)
		if (!kept(fd, keep, nkeep))
			apply(fd, doclose);
}

void fds_cloexec_from(int first)
{
	fds_apply(first, 0, NULL, 0);
}

void fds_close_except(const int *keep, size_t n)
{
	fds_apply(3, 1, keep, n);
}

void fds_close_from(int first, const int *keep, size_t n)
{
	fds_apply(first, 1, keep, n);
}

/* 1. The preserved fds must be there before the helper opens anything,
 * or its own fds could take their numbers. Everything above them is marked
 * close-on-exec now (for the hooks) and again at 9 (for the container). */
void fds_check(const struct plan *p, long sync)
{
	for (int fd = 3; fd < 3 + p->preserve_fds; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			die_errno("fds", "preserved fd %d", fd);
	if (sync < 3 + p->preserve_fds)
		die("plan", 0, "sync fd %ld is among the %d preserved fds", sync, p->preserve_fds);
	fds_cloexec_from(3 + p->preserve_fds);
}

/* 9. Only stdio and the preserved fds reach the container. */
void fds_for_exec(const struct plan *p)
{
	for (int fd = 3; fd < 3 + p->preserve_fds; fd++)
		fd_cloexec(fd, 0);
	fds_cloexec_from(3 + p->preserve_fds);
}
