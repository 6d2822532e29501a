/* The seam between helper.c (common stages) and the platform backends:
 * linux.c + linux_mount.c on Linux, freebsd.c on FreeBSD. The Makefile
 * picks the backend by `uname -s`. Every function dies with an error line
 * on failure; the numbers are the stages of README.md. */
#ifndef RUNJ_PLATFORM_H
#define RUNJ_PLATFORM_H

#include "plan.h"

#include <sys/types.h>

/* 0. Before the plan is read (`runj-helper --unshare TYPES`): Linux
 * unshares the listed new namespaces (comma-separated; only pid, net, ipc,
 * uts and mount) while Node still validates and plans, and platform_enter
 * then skips them; the plan must create each (stage "plan"). FreeBSD has
 * none and refuses it. */
void platform_early(const char *types);

/* 1. Rejects records this platform cannot apply (stage "plan"). */
void platform_check(const struct plan *p);

/* 1. With the host's view, before entering anything. Linux: joins the
 * cgroups (cgroup-procs) and opens /proc/<pid>/root (join-root). */
void platform_prepare(const struct plan *p);

/* 2. Enters the container: Linux setns/unshare (a user namespace first, its
 * maps written by a forked writer; the mount namespace last),
 * FreeBSD jail_attach. */
void platform_enter(const struct plan *p);

/* 3. The parent half, right after the fork (and the pid sent): Linux moves
 * the child into its cgroups, when stage 1 left that to it, and tells the
 * child so (linux_place.c). */
void platform_place(pid_t child);

/* 3-9. The child, before anything that needs its cgroups (a cgroup mount,
 * the hooks' message, a hook, closing its fds for the exec, execve):
 * returns once the parent has placed it (at once when it joined them at
 * stage 1); exits if the parent could not. Linux then unshares a new cgroup
 * namespace left to it. */
void platform_placed(void);

/* 4. After the fork: prepares the root (Linux: propagation, mounts, devices). */
void platform_prepare_root(const struct plan *p);

/* 6. Switches to the container's root (Linux: pivot_root or MS_MOVE + chroot). */
void platform_switch_root(const struct plan *p);

/* 6. In the container process, after platform_switch_root: Linux's
 * join-root (fchdir + chroot to the root opened by platform_prepare). */
void platform_join_root(const struct plan *p);

/* 6. With a terminal: Linux, with a root, binds the pty slave onto
 * /dev/console (stage "console"). */
void platform_console(const struct plan *p, const char *slave);

/* 6. Inside the new root: hostname, domainname, sysctl, oom_score_adj. */
void platform_finish_root(const struct plan *p);

/* 6. Last, since sysctl writes through /proc/sys: masked paths, read-only
 * paths, the read-only root. */
void platform_restrict_root(const struct plan *p);

/* 7. Around the uid change done by process.c: before it, the session
 * keyring, the bounding set and PR_SET_KEEPCAPS; after it, once the
 * executable is resolved and the fifo checked (helper.c), the seccomp filter
 * without no_new_privs (with CAP_SYS_ADMIN raised for the load), the
 * capability sets and no_new_privs. */
void platform_before_setuid(const struct plan *p);
void platform_after_setuid(const struct plan *p);

/* 11. Right before execve: Linux loads the seccomp filter when the plan
 * has no_new_privs (as late as possible, as runc). */
void platform_before_exec(const struct plan *p);

#endif
