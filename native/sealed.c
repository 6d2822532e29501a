/* Sealed memfd copies of an executable: the image the helper runs, so that a
 * process reaching a helper's /proc/<pid>/exe holds a copy nobody can write,
 * never the host's runj-helper (README.md, "Security"). runj's addon makes
 * the copy and starts the helper from it (sys_spawn.c); a helper
 * started from any other file makes its own and re-executes it (selfexec.c). */
#include "sealed.h"

#include <errno.h>

#ifdef __linux__
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* Linux 6.3: an executable memfd, said explicitly */
#endif

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

int is_sealed(int fd)
{
	int s = fcntl(fd, F_GET_SEALS);
	return s >= 0 && (s & SEALS) == SEALS;
}

static int copy_all(int from, int to, off_t size)
{
	off_t done = 0;
	while (done < size) {
		ssize_t n = sendfile(to, from, &done, (size_t)(size - done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO; /* the file shrank under us */
			return -1;
		}
	}
	return 0;
}

int sealed_copy(int from)
{
	struct stat st;
	if (fstat(from, &st) < 0)
		return -1;
	/* Kernels before 6.3 refuse MFD_EXEC (EINVAL): without it a memfd is executable there anyway. */
	int mfd = memfd_create("runj-helper", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (mfd < 0 && errno == EINVAL)
		mfd = memfd_create("runj-helper", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return -1;
	if (copy_all(from, mfd, st.st_size) < 0 || fcntl(mfd, F_ADD_SEALS, SEALS) < 0) {
		int e = errno;
		close(mfd);
		errno = e;
		return -1;
	}
	return mfd;
}
#else
int is_sealed(int fd)
{
	(void)fd;
	return 0;
}

int sealed_copy(int from)
{
	(void)from;
	errno = ENOSYS;
	return -1;
}
#endif
