/* The launcher's one ttrpc call: Connect to a live shim of the group, with
 * the runj-shim-join metadata that makes it wait for this container's
 * Create (src/shim/life.ts). Framing as src/shim/ttrpc/frame.ts: a 10-byte
 * header (length and stream id big-endian, type, flags), then a protobuf
 * Request {service=1, method=2, payload=3, timeout_nano=4, metadata=5
 * {key=1, value=2}}; the Response {status=1 {code=1}, payload=2} on the
 * same stream. Any surprise is a failure: the Node shim then starts as
 * before. */
#include "shim_launch.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define MSG_MAX 4096 /* a Connect request and its response are far smaller */

int shim_connect(const char *path)
{
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sa.sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path));
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct timeval tv = {10, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

struct buf {
	unsigned char b[MSG_MAX];
	size_t n;
	int bad;
};

static void put_varint(struct buf *m, uint64_t v)
{
	do {
		if (m->n == sizeof m->b) {
			m->bad = 1;
			return;
		}
		m->b[m->n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
}

static void put_bytes(struct buf *m, unsigned field, const void *p, size_t len)
{
	put_varint(m, field << 3 | 2);
	put_varint(m, len);
	if (m->bad || len > sizeof m->b - m->n) {
		m->bad = 1;
		return;
	}
	memcpy(m->b + m->n, p, len);
	m->n += len;
}

static void put_pair(struct buf *m, const char *key, const char *value)
{
	struct buf kv = {{0}, 0, 0};
	put_bytes(&kv, 1, key, strlen(key));
	put_bytes(&kv, 2, value, strlen(value));
	m->bad |= kv.bad;
	put_bytes(m, 5, kv.b, kv.n);
}

static int io_all(int fd, unsigned char *p, size_t n, int writing)
{
	while (n) {
		ssize_t r = writing ? write(fd, p, n) : read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int get_varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 64 && *p < end; shift += 7) {
		unsigned char c = *(*p)++;
		*v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return 0;
	}
	return -1;
}

/* The status code in a Response (0 when it carries none), or -1. */
static int64_t response_code(const unsigned char *p, const unsigned char *end)
{
	int64_t code = 0;
	while (p < end) {
		uint64_t key, len;
		if (get_varint(&p, end, &key) < 0 || (key & 7) != 2 || get_varint(&p, end, &len) < 0 || len > (uint64_t)(end - p))
			return -1;
		if (key >> 3 == 1) { /* google.rpc.Status: code is field 1, a varint */
			const unsigned char *s = p, *se = p + len;
			while (s < se) {
				uint64_t k, v;
				if (get_varint(&s, se, &k) < 0)
					return -1;
				if ((k & 7) == 0) {
					if (get_varint(&s, se, &v) < 0)
						return -1;
					if (k >> 3 == 1)
						code = (int64_t)(uint32_t)v;
				} else if ((k & 7) == 2) {
					if (get_varint(&s, se, &v) < 0 || v > (uint64_t)(se - s))
						return -1;
					s += v;
				} else {
					return -1;
				}
			}
		}
		p += len;
	}
	return code;
}

int shim_join(const char *path, const struct shim_flags *f)
{
	struct buf payload = {{0}, 0, 0}, req = {{0}, 0, 0};
	put_bytes(&payload, 1, f->id, strlen(f->id)); /* ConnectRequest.id */
	put_bytes(&req, 1, "containerd.task.v2.Task", 23);
	put_bytes(&req, 2, "Connect", 7);
	put_bytes(&req, 3, payload.b, payload.n);
	put_varint(&req, 4 << 3 | 0);
	put_varint(&req, 10000000000ULL); /* timeout_nano: 10 s */
	put_pair(&req, "containerd-namespace-ttrpc", f->namespace);
	put_pair(&req, "runj-shim-join", f->id);
	if (payload.bad || req.bad)
		return -1;
	int fd = shim_connect(path);
	if (fd < 0)
		return -1;
	unsigned char head[10] = {(unsigned char)(req.n >> 24), (unsigned char)(req.n >> 16), (unsigned char)(req.n >> 8), (unsigned char)req.n, 0, 0, 0, 1, 1, 0};
	unsigned char resp[MSG_MAX];
	int rc = -1;
	if (io_all(fd, head, sizeof head, 1) == 0 && io_all(fd, req.b, req.n, 1) == 0 && io_all(fd, head, sizeof head, 0) == 0) {
		uint32_t len = (uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 | (uint32_t)head[2] << 8 | head[3];
		uint32_t stream = (uint32_t)head[4] << 24 | (uint32_t)head[5] << 16 | (uint32_t)head[6] << 8 | head[7];
		if (stream == 1 && head[8] == 2 && len <= sizeof resp && io_all(fd, resp, len, 0) == 0 && response_code(resp, resp + len) == 0)
			rc = 0;
	}
	close(fd);
	return rc;
}
