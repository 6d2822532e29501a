/* Shared by the Linux backend files (linux.c, linux_join.c, linux_mount.c). */
#ifndef RUNJ_LINUX_H
#define RUNJ_LINUX_H

/* CLONE_NEW* for a namespace type of the plan ("pid", "mount", ...), 0 if unknown. */
int linux_ns_flag(const char *type);

/* 1 once platform_enter has entered a user namespace, new or joined
 * (linux_join.c): devices are then bound from the host, since mknod is
 * refused there, and locked mount flags are kept in bind remounts. */
extern int linux_in_userns;

#include "plan.h"

/* The plan has a user namespace (new or joined). */
int linux_has_userns(const struct plan *p);

/* oom-score-adj. Written at stage 6, or with a user namespace at stage 1,
 * before entering it: lowering the score takes CAP_SYS_RESOURCE in the
 * host's user namespace (linux.c). */
void linux_write_oom(const struct plan *p);

#endif
