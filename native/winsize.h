/* The relay's window-size channel (README.md, "Terminal"): with the plan's
 * `winsize-channel`, the parent half keeps the sync socket and reads
 * `winsize <rows> <cols>` records from it while it relays, applying each to
 * the pty master. Portable: Linux and FreeBSD. */
#ifndef RUNJ_WINSIZE_H
#define RUNJ_WINSIZE_H

#include <stddef.h>

#define WINSIZE_LINE_MAX 64  /* "winsize 65535 65535\n" is 20 bytes */

struct winsize_channel {
	int fd;                  /* -1 once ended */
	size_t len;
	char buf[WINSIZE_LINE_MAX];
};

/* Reads what the socket has (one read: poll said it is readable) and applies
 * every complete record to `master`. A malformed record is ignored; end of
 * file, a read error or a line longer than WINSIZE_LINE_MAX ends the channel
 * (the fd is closed, c->fd becomes -1). The relay goes on either way. */
void winsize_channel_read(struct winsize_channel *c, int master);

/* Parses one record without its newline: 0 and the size when it is
 * `winsize R C` with R and C in 1..65535 (plain decimal: no sign, no
 * leading zero), -1 otherwise. */
int winsize_parse(const char *line, size_t n, unsigned short *rows, unsigned short *cols);

#endif
