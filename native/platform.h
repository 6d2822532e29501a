/* The seam between helper.c (common stages) and the platform backends:
 * linux.c + linux_mount.c on Linux, freebsd.c on FreeBSD. The Makefile
 * picks the backend by `uname -s`. Every function dies with an error line
 * on failure; the numbers are the stages of README.md. */
#ifndef RUNJ_PLATFORM_H
#define RUNJ_PLATFORM_H

#include "plan.h"

/* 1. Rejects records this platform cannot apply (stage "plan"). */
void platform_check(const struct plan *p);

/* 2. Enters the container: Linux setns/unshare, FreeBSD jail_attach. */
void platform_enter(const struct plan *p);

/* 4. After the fork: prepares the root (Linux: propagation, mounts, devices). */
void platform_prepare_root(const struct plan *p);

/* 6. Switches to the container's root (Linux: pivot_root or MS_MOVE + chroot). */
void platform_switch_root(const struct plan *p);

/* 6. Inside the new root: hostname, domainname, sysctl, oom_score_adj. */
void platform_finish_root(const struct plan *p);

/* 6. Last, since sysctl writes through /proc/sys: masked paths, read-only
 * paths, the read-only root. */
void platform_restrict_root(const struct plan *p);

/* 7. Around the uid change done by helper.c: before it, the session keyring,
 * the bounding set and PR_SET_KEEPCAPS; after it, the capability sets and
 * no_new_privs. */
void platform_before_setuid(const struct plan *p);
void platform_after_setuid(const struct plan *p);

#endif
