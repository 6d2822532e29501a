/* The window-size channel of the relaying parent half (winsize.h). Nothing
 * here can report an error: the parent half has no error channel, and a
 * broken channel must not end the relay of the container's terminal. */
#include "winsize.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

/* One decimal field of 1..65535 at *s; advances *s past it. */
static int field(const char **s, const char *end, unsigned short *out)
{
	unsigned long v = 0;
	const char *p = *s;
	if (p == end || *p < '1' || *p > '9')
		return -1;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > 65535)
			return -1;
	}
	*out = (unsigned short)v;
	*s = p;
	return 0;
}

int winsize_parse(const char *line, size_t n, unsigned short *rows, unsigned short *cols)
{
	static const char kw[] = "winsize ";
	const char *s = line, *end = line + n;
	if (n < sizeof kw - 1 || memcmp(s, kw, sizeof kw - 1) != 0)
		return -1;
	s += sizeof kw - 1;
	if (field(&s, end, rows) < 0 || s == end || *s++ != ' ' || field(&s, end, cols) < 0)
		return -1;
	return s == end ? 0 : -1;
}

static void end_channel(struct winsize_channel *c)
{
	close(c->fd);
	c->fd = -1;
	c->len = 0;
}

void winsize_channel_read(struct winsize_channel *c, int master)
{
	ssize_t n = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		end_channel(c);
		return;
	}
	c->len += (size_t)n;
	char *nl;
	while ((nl = memchr(c->buf, '\n', c->len))) {
		unsigned short rows, cols;
		if (winsize_parse(c->buf, (size_t)(nl - c->buf), &rows, &cols) == 0) {
			struct winsize ws;
			memset(&ws, 0, sizeof ws);
			ws.ws_row = rows;
			ws.ws_col = cols;
			/* The kernel sends SIGWINCH to the pty's foreground process group. */
			ioctl(master, TIOCSWINSZ, &ws);
		}
		c->len -= (size_t)(nl + 1 - c->buf);
		memmove(c->buf, nl + 1, c->len);
	}
	if (c->len == sizeof c->buf)
		end_channel(c);  /* no record is this long: the writer is broken */
}
