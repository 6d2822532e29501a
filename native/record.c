/* Reading and decoding records (README.md, "The plan"). */
#include "record.h"
#include "channel.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_LINE (16u << 20)  /* a record longer than this is a bug */
#define MAX_FIELDS (65536 + 2)  /* a "groups" record: its name, and up to NGROUPS_MAX (65536) gids */

/* Buffered line reader; the same buffer serves the plan and the answer to
 * {"type":"hooks"}, so nothing read ahead is lost. */
static char rbuf[65536];
static size_t rpos, rlen;

/* Current record, for error messages. */
static unsigned recno;
static char recshow[128];

void record_bad(const char *fmt, ...)
{
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	die("plan", 0, "record %u \"%s\": %s", recno, recshow, why);
}

unsigned record_count(void)
{
	return recno;
}

void *xrealloc(void *ptr, size_t n)
{
	void *q = realloc(ptr, n ? n : 1);
	if (!q)
		die("plan", ENOMEM, "out of memory");
	return q;
}

char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		die("plan", ENOMEM, "out of memory");
	return d;
}

void *push(void *arr, size_t *n, size_t size)
{
	char **a = arr;
	*a = xrealloc(*a, (*n + 1) * size);
	memset(*a + *n * size, 0, size);
	return *a + (*n)++ * size;
}

char **strv_new(void)
{
	char **v = xrealloc(NULL, sizeof *v);
	v[0] = NULL;
	return v;
}

void strv_push(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 2) * sizeof **v);
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

/* Returns the next line (malloc'd, without '\n'), or NULL at end of input. */
static char *read_line(int fd)
{
	char *line = NULL;
	size_t len = 0;
	for (;;) {
		if (rpos == rlen) {
			ssize_t r = read(fd, rbuf, sizeof rbuf);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				die("plan", errno, "read sync socket");
			if (r == 0) {
				free(line);
				return NULL;  /* a partial last line counts as none */
			}
			rpos = 0;
			rlen = (size_t)r;
		}
		char *nl = memchr(rbuf + rpos, '\n', rlen - rpos);
		size_t take = (nl ? (size_t)(nl - rbuf) : rlen) - rpos;
		if (len + take > MAX_LINE)
			die("plan", 0, "record %u is longer than %u bytes", recno + 1, MAX_LINE);
		line = xrealloc(line, len + take + 1);
		memcpy(line + len, rbuf + rpos, take);
		len += take;
		line[len] = 0;
		rpos += take + (nl ? 1 : 0);
		if (nl)
			return line;
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	return -1;
}

/* Decodes one field in place. A lone "%" is the empty string. */
static char *decode(char *s)
{
	if (!*s)
		record_bad("empty field (the empty string is written as %%)");
	if (strcmp(s, "%") == 0) {
		*s = 0;
		return s;
	}
	char *w = s;
	for (const char *r = s; *r; r++) {
		unsigned char c = (unsigned char)*r;
		if (c < 0x21 || c > 0x7e)
			record_bad("unencoded byte 0x%02x", c);
		if (c == '%') {
			int h = hexval(r[1]), l = h < 0 ? -1 : hexval(r[2]);
			if (h < 0 || l < 0)
				record_bad("bad percent escape");
			c = (unsigned char)(h * 16 + l);
			if (!c)
				record_bad("NUL byte (%%00) in a field");
			r += 2;
		}
		*w++ = (char)c;
	}
	*w = 0;
	return s;
}

char **record_next(int fd, size_t *nf)
{
	static char *line;
	static char **f;
	static size_t cap;

	free(line);
	line = read_line(fd);
	if (!line)
		return NULL;
	recno++;
	snprintf(recshow, sizeof recshow, "%.100s%s", line, strlen(line) > 100 ? "..." : "");
	size_t n = 0;
	for (char *s = line;;) {
		char *sp = strchr(s, ' ');
		if (sp)
			*sp = 0;
		if (n == MAX_FIELDS)
			record_bad("too many fields");
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			f = xrealloc(f, cap * sizeof *f);
		}
		f[n++] = s;
		if (!sp)
			break;
		s = sp + 1;
	}
	if (!*f[0])
		record_bad("empty record");
	for (size_t i = 1; i < n; i++)
		f[i] = decode(f[i]);
	*nf = n;
	return f;
}

uint64_t record_num(const char *s, uint64_t max)
{
	uint64_t v = 0;
	if (!*s)
		record_bad("empty number");
	for (const char *p = s; *p; p++) {
		uint64_t d = (uint64_t)(*p - '0');
		if (*p < '0' || *p > '9' || d > max || v > (max - d) / 10)
			record_bad("bad number \"%s\" (decimal, at most %llu)", s, (unsigned long long)max);
		v = v * 10 + d;
	}
	return v;
}

int64_t record_snum(const char *s, int64_t min, int64_t max)
{
	int neg = s[0] == '-';
	uint64_t m = record_num(s + neg, INT64_MAX);
	int64_t v = neg ? -(int64_t)m : (int64_t)m;
	if (v < min || v > max)
		record_bad("number %s out of range %lld..%lld", s, (long long)min, (long long)max);
	return v;
}

uint64_t record_hex(const char *s)
{
	uint64_t v = 0;
	size_t n = strlen(s);
	if (n < 3 || n > 18 || s[0] != '0' || s[1] != 'x')
		record_bad("bad hex number \"%s\" (0x prefix, at most 64 bits)", s);
	for (const char *p = s + 2; *p; p++) {
		int d = hexval(*p);
		if (d < 0)
			record_bad("bad hex number \"%s\"", s);
		v = v * 16 + (uint64_t)d;
	}
	return v;
}
