/* The container's terminal (README.md, "Terminal"). Portable: Linux and
 * FreeBSD. Errors are stage "console". */
#ifndef RUNJ_TTY_H
#define RUNJ_TTY_H

#include "plan.h"

/* 1. Connects to the console socket (a host path); close-on-exec. */
int tty_connect(const char *path);

/* 6. In the container process: makes a pty from the container's ptmx, makes
 * its slave the controlling terminal and fds 0-2, and sends the master over
 * `to` (the console socket, or the socketpair to the parent half), with the
 * slave's path as the message. Closes `to`. */
void tty_setup(const struct plan *p, int to);

/* Sends fd over the unix socket sock with SCM_RIGHTS, `name` as the payload.
 * Returns 0, or -1 with errno set. */
int tty_send_fd(int sock, int fd, const char *name);

/* Receives one fd sent by tty_send_fd (close-on-exec). Returns it, or -1
 * (errno 0 at end of file, when the sender died first). */
int tty_recv_fd(int sock);

#endif
