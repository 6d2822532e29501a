/* freebsd-check: the userland part of FreeBSD's <sys/jail.h> that the helper
 * and the jail test double use, so FreeBSD-only code compiles on Linux
 * (native/Makefile freebsd-check). Values and prototypes are checked against
 * the Rust libc crate and Go x/sys/unix by scripts/abi-check.mjs. */
#ifndef RUNJ_FREEBSD_SYS_JAIL_H
#define RUNJ_FREEBSD_SYS_JAIL_H

#include <sys/uio.h>

#define JAIL_CREATE 0x01
#define JAIL_UPDATE 0x02
#define JAIL_ATTACH 0x04
#define JAIL_DYING 0x08

#define JAIL_SYS_DISABLE 0
#define JAIL_SYS_NEW 1
#define JAIL_SYS_INHERIT 2

int jail_set(struct iovec *iov, unsigned int niov, int flags);
int jail_get(struct iovec *iov, unsigned int niov, int flags);
int jail_attach(int jid);
int jail_remove(int jid);

#endif
