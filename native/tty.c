/* The container's terminal: a new pty whose slave becomes the container
 * process's controlling terminal and stdio, and whose master goes to the
 * console socket (containerd's shim, conmon) or to the parent half, which
 * relays it to the caller's terminal (relay.c). Portable POSIX plus
 * TIOCSCTTY and TIOCSWINSZ, which Linux and FreeBSD both have. */
#include "tty.h"
#include "channel.h"
#include "platform.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

int tty_connect(const char *path)
{
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sa.sun_path)
		die("console", ENAMETOOLONG, "console socket %s", path);
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die_errno("console", "socket");
	while (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		if (errno != EINTR)
			die_errno("console", "connect to the console socket %s", path);
	return fd;
}

int tty_send_fd(int sock, int fd, const char *name)
{
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {(void *)name, strlen(name)};
	struct msghdr msg;
	memset(&msg, 0, sizeof msg);
	memset(ctl, 0, sizeof ctl);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl;
	msg.msg_controllen = sizeof ctl;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof fd);
	ssize_t n;
	while ((n = sendmsg(sock, &msg, 0)) < 0 && errno == EINTR)
		;
	return n < 0 ? -1 : 0;
}

int tty_recv_fd(int sock)
{
	char name[PATH_MAX], ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {name, sizeof name};
	struct msghdr msg;
	memset(&msg, 0, sizeof msg);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl;
	msg.msg_controllen = sizeof ctl;
	ssize_t n;
	while ((n = recvmsg(sock, &msg, 0)) < 0 && errno == EINTR)
		;
	if (n <= 0) {
		if (n == 0)
			errno = 0;
		return -1;
	}
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	int fd = -1;
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(c), sizeof fd);
	if (fd < 0) {
		errno = EBADMSG;
		return -1;
	}
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

/* The master from the container's own ptmx, so the slave is in its devpts:
 * Linux opens /dev/ptmx (usually a link to pts/ptmx), else /dev/pts/ptmx. */
static int open_master(void)
{
#ifdef __linux__
	int fd = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		fd = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		die_errno("console", "open /dev/ptmx");
#else
	int fd = posix_openpt(O_RDWR | O_NOCTTY);
	if (fd < 0)
		die_errno("console", "posix_openpt");
	fcntl(fd, F_SETFD, FD_CLOEXEC);
#endif
	return fd;
}

void tty_setup(const struct plan *p, int to)
{
	int master = open_master();
	if (grantpt(master) < 0 || unlockpt(master) < 0)
		die_errno("console", "unlock the pty");
	const char *name = ptsname(master);
	if (!name)
		die_errno("console", "ptsname");
	char slave_path[PATH_MAX];
	snprintf(slave_path, sizeof slave_path, "%s", name);
	int slave = open(slave_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		die_errno("console", "open %s", slave_path);
	uid_t uid = p->has_user ? p->uid : geteuid();
	gid_t gid = p->has_user ? p->gid : getegid();
	if (fchown(slave, uid, gid) < 0)
		die_errno("console", "chown %s to %u:%u", slave_path, (unsigned)uid, (unsigned)gid);
	struct winsize ws = {.ws_row = (unsigned short)p->rows, .ws_col = (unsigned short)p->cols};
	/* Relayed to the caller's terminal (still our fd 0) without a size of
	 * its own: that terminal's size, now, as the process may start before
	 * the parent half gets to copy it. */
	if ((!ws.ws_row || !ws.ws_col) && !p->console_socket && ioctl(0, TIOCGWINSZ, &ws) < 0)
		ws.ws_row = ws.ws_col = 0;
	if (ws.ws_row && ws.ws_col && ioctl(slave, TIOCSWINSZ, &ws) < 0)
		die_errno("console", "set the console size %ux%u", ws.ws_row, ws.ws_col);
	platform_console(p, slave_path);

	/* A new session whose controlling terminal is the slave. Without a fork
	 * the helper may lead its session already (Node spawns it detached). */
	if (setsid() < 0 && getsid(0) != getpid())
		die_errno("console", "setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		die_errno("console", "make %s the controlling terminal", slave_path);
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			die_errno("console", "dup %s to fd %d", slave_path, fd);
	if (slave > 2)
		close(slave);

	/* Last, so the receiver gets a terminal that is all set up. */
	if (tty_send_fd(to, master, slave_path) < 0)
		die_errno("console", "send the pty master");
	close(master);
	close(to);
}
