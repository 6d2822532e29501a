/* What the common files (process.c, fds.c) provide to the others. */
#ifndef RUNJ_HELPER_H
#define RUNJ_HELPER_H

#include "plan.h"

#include <stddef.h>
#include <sys/types.h>

/* process.c. mkdir -p: creates every missing component (an existing one is fine).
 * Returns 0, or -1 with errno set. */
int mkdir_p(const char *path, mode_t mode);

/* 6. Creates the cwd if missing (as root, before a read-only root). */
void make_cwd(const struct plan *p);

/* 7. rlimits, then groups, gid and uid around the platform's steps; umask;
 * chdir to the cwd. */
void set_process(const struct plan *p);

/* 8. argv[0] against the container's PATH, with runc's error text. */
char *resolve_exe(const struct plan *p);

/* fds.c. Sets or clears close-on-exec. */
void fd_cloexec(int fd, int on);

/* Marks every fd >= first close-on-exec (close_range, else the fds listed in
 * /proc/self/fd, else every fd up to the limit). */
void fds_cloexec_from(int first);

/* Closes every fd >= 3 except those in keep (same fallbacks). */
void fds_close_except(const int *keep, size_t n);

/* Closes every fd >= first except those in keep (same fallbacks). */
void fds_close_from(int first, const int *keep, size_t n);

/* 1. The preserved fds are open (else stage "fds") and the sync fd is
 * above them; every fd above them is marked close-on-exec. */
void fds_check(const struct plan *p, long sync);

/* 9. Clears close-on-exec on the preserved fds, sets it on all above. */
void fds_for_exec(const struct plan *p);

#endif
