/* What helper.c provides to the other files. */
#ifndef RUNJ_HELPER_H
#define RUNJ_HELPER_H

#include <sys/types.h>

/* mkdir -p: creates every missing component (an existing one is fine).
 * Returns 0, or -1 with errno set. */
int mkdir_p(const char *path, mode_t mode);

/* Marks every fd >= first close-on-exec (close_range, else the fds listed in
 * /proc/self/fd, else every fd up to the limit). */
void fds_cloexec_from(int first);

#endif
