/* Shared by the Linux backend files (linux.c, linux_join.c, linux_mount.c,
 * linux_devices.c); linux_shared.c defines what more than one of them uses. */
#ifndef RUNJ_LINUX_H
#define RUNJ_LINUX_H

/* CLONE_NEW* for a namespace type of the plan ("pid", "mount", ...), 0 if unknown. */
int linux_ns_flag(const char *type);

/* 1 once platform_enter (linux_join.c) has entered a user namespace, new
 * or joined: devices are then bound from the host, since mknod is
 * refused there, and locked mount flags are kept in bind remounts. */
extern int linux_in_userns;

/* The CLONE_NEW* flags of the namespaces entered before the plan
 * (`--unshare`, platform_early in linux_join.c); platform_check refuses a
 * plan that does not create each of them. */
extern int linux_early_flags;

#include "plan.h"

/* The plan has a user namespace (new or joined). */
int linux_has_userns(const struct plan *p);

/* linux_place.c. Stage 1: joins the cgroups (cgroup-procs), or, when the
 * helper forks and has no user namespace, opens their cgroup.procs for
 * platform_place; then 1 when a new cgroup namespace is left to the child
 * (platform_placed), for platform_enter to skip. */
void linux_cgroups_prepare(const struct plan *p);
int linux_cgroupns_deferred(void);

/* oom-score-adj. Written at stage 6, or with a user namespace at stage 1,
 * before entering it: lowering the score takes CAP_SYS_RESOURCE in the
 * host's user namespace (linux.c). */
void linux_write_oom(const struct plan *p);

/* The rootfs's O_PATH fd once platform_prepare_root (linux_mount.c) has
 * bound it onto itself (-1 before), and "/proc/self/fd/N" for an fd (four
 * buffers in rotation), to mount on what an fd is. */
extern int linux_rootfd;
const char *linux_fdpath(int fd);

/* linux_devices.c: a device record's node (or the host's node bound on a
 * file), and the default devices and /dev links, under the root. */
void linux_make_device(const struct device_rec *d);
void linux_default_devices(const struct plan *p);

#endif
