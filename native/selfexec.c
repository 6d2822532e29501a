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
#include "sealed.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

const char *self_protect(char **argv, char **envp)
{
	int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (exe < 0)
		return "open /proc/self/exe";
	if (!is_sealed(exe)) {
		int mfd = sealed_copy(exe);
		if (mfd < 0)
			return "copy the executable into a sealed memfd";
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
