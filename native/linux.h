/* Shared by the Linux backend files (linux.c, linux_join.c, linux_mount.c). */
#ifndef RUNJ_LINUX_H
#define RUNJ_LINUX_H

/* CLONE_NEW* for a namespace type of the plan ("pid", "mount", ...), 0 if unknown. */
int linux_ns_flag(const char *type);

#endif
