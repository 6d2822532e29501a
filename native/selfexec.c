/* Linux: the helper runs from a sealed memfd copy of itself and is not
 * dumpable (README.md, "Security"). A container process that reaches a
 * helper's /proc/<pid>/exe (the helper joins its pid namespace in exec, or
 * is its pid 1 while parked on exec.fifo) would otherwise hold the host's
 * runj-helper file and, reopening it for writing once no process executes
 * it, replace what the next `create` runs as root. The memfd is the only
 * executable such a path can lead to, and its seals forbid every write; not
 * being dumpable closes /proc/<pid>/{exe,fd,mem,environ,cwd,root} of the
 * helper to processes without CAP_SYS_PTRACE over it, until execve of the
 * user program (which restores dumpability for the user's own image). */
#include "selfexec.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U  /* Linux 6.3: an executable memfd, said explicitly */
#endif

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* The running image is a memfd carrying all of SEALS: this is the copy. */
static int sealed(int exe)
{
	int s = fcntl(exe, F_GET_SEALS);
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
				errno = EIO;  /* the file shrank under us */
			return -1;
		}
	}
	return 0;
}

const char *self_protect(char **argv, char **envp)
{
	int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (exe < 0)
		return "open /proc/self/exe";
	if (!sealed(exe)) {
		struct stat st;
		if (fstat(exe, &st) < 0)
			return "stat /proc/self/exe";
		/* Kernels before 6.3 refuse MFD_EXEC (EINVAL): without it a memfd is executable there anyway. */
		int mfd = memfd_create("runj-helper", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
		if (mfd < 0 && errno == EINVAL)
			mfd = memfd_create("runj-helper", MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (mfd < 0)
			return "memfd_create";
		if (copy_all(exe, mfd, st.st_size) < 0)
			return "copy the executable into a memfd";
		if (fcntl(mfd, F_ADD_SEALS, SEALS) < 0)
			return "seal the memfd";
		close(exe);
		/* Both fds are close-on-exec; every other fd (sync, preserved, stdio) is kept. */
		fexecve(mfd, argv, envp);
		return "execute the sealed copy";
	}
	close(exe);
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return "prctl PR_SET_DUMPABLE";
	return NULL;
}
