/* Messages to Node, and the JSON string escaping they need. */
#include "channel.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int chan_fd = -1;
static int chan_gate = -1;

void chan_set_fd(int fd)
{
	chan_fd = fd;
}

void chan_set_gate(int fd)
{
	chan_gate = fd;
}

void chan_pass_gate(void)
{
	if (chan_gate < 0)
		return;
	char c;
	while (read(chan_gate, &c, 1) < 0 && errno == EINTR)
		;
	close(chan_gate);
	chan_gate = -1;
}

static void write_all(const char *buf, size_t len)
{
	chan_pass_gate();
	while (len) {
		ssize_t w = write(chan_fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(1);  /* SIGPIPE is ignored; Node went away */
		buf += w;
		len -= (size_t)w;
	}
}

void chan_send(const char *json)
{
	size_t n = strlen(json);
	char line[n + 2];
	memcpy(line, json, n);
	line[n] = '\n';
	write_all(line, n + 1);
}

void chan_send_pid(long pid)
{
	char buf[64];
	snprintf(buf, sizeof buf, "{\"type\":\"pid\",\"pid\":%ld}", pid);
	chan_send(buf);
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4) len = 4;
	else return 0;
	if (s[0] == 0xe0) lo = 0xa0;       /* overlong */
	if (s[0] == 0xed) hi = 0x9f;       /* surrogates */
	if (s[0] == 0xf0) lo = 0x90;       /* overlong */
	if (s[0] == 0xf4) hi = 0x8f;       /* above U+10FFFF */
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/* Writes s as a JSON string (with quotes) into out, which must hold
 * 6 * strlen(s) + 3 bytes. Invalid UTF-8 becomes U+FFFD, so Node always
 * gets valid JSON whatever a hook printed. */
static char *json_string(char *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str);
	*out++ = '"';
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		if (c == '"' || c == '\\') {
			*out++ = '\\';
			*out++ = (char)c;
		} else if (c == '\n') {
			out += sprintf(out, "\\n");
		} else if (c == '\t') {
			out += sprintf(out, "\\t");
		} else if (c < 0x20) {
			out += sprintf(out, "\\u%04x", c);
		} else if (c < 0x80) {
			*out++ = (char)c;
		} else {
			size_t len = utf8_len(s + i, n - i);
			if (!len) {
				out += sprintf(out, "\\ufffd");
				i++;
				continue;
			}
			memcpy(out, s + i, len);
			out += len;
			i += len;
			continue;
		}
		i++;
	}
	*out++ = '"';
	*out = 0;
	return out;
}

void die(const char *stage, int err, const char *fmt, ...)
{
	static char msg[16384];
	static char line[6 * sizeof msg + 256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (err && n >= 0 && (size_t)n < sizeof msg)
		snprintf(msg + n, sizeof msg - (size_t)n, ": %s", strerror(err));

	char *p = line + sprintf(line, "{\"type\":\"error\",\"stage\":");
	p = json_string(p, stage);
	p += sprintf(p, ",\"msg\":");
	p = json_string(p, msg);
	sprintf(p, ",\"errno\":%d}", err);
	if (chan_fd >= 0)
		chan_send(line);
	_exit(1);
}
