/* freebsd-check only: the host's <fcntl.h> plus the open(2) flags FreeBSD
 * has and Linux does not, so the helper's FreeBSD branches compile here.
 * FreeBSD 14 sys/sys/fcntl.h: O_EMPTY_PATH 0x02000000 (Go x/sys/unix
 * zerrors_freebsd_*.go has the same value). */
#include_next <fcntl.h>
#ifndef O_EMPTY_PATH
#define O_EMPTY_PATH 0x02000000
#endif
