/* libjailtest: an in-memory stand-in for FreeBSD's jail_set(2), jail_get(2),
 * jail_remove(2), nmount(2), unmount(2), getfsstat(2), kill(2) and sysctl(3) (kern.proc),
 * with FreeBSD's ABI: struct iovec arrays of name/value pairs, an "errmsg"
 * pair filled on failure, FreeBSD errno numbers. runj's FFI module loads it
 * on Linux through $RUNJ_FREEBSD_LIBC; every call is recorded in a log the
 * tests read back byte for byte.
 *
 * Log rendering of a value: (no "=") a NULL pointer with length 0 (a boolean
 * parameter); "text" a NUL-terminated printable string whose length is
 * exactly strlen+1; [N] N zero bytes (an output buffer); hex:... anything
 * else. Test hooks: jailtest_log, jailtest_state, jailtest_reset,
 * jailtest_fail_next, jailtest_fail_after, jailtest_add_proc,
 * jailtest_set_kinfo_size, jailtest_set_caller, jailtest_step_clock,
 * jailtest_set_racct, jailtest_set_racct_usage, jailtest_rctl. Not thread-safe; tests are sequential. */
#include "jailtest.h"

static struct fault faults[MAXFAULTS];
static int nfaults;
static char *logbuf;
static size_t loglen, logcap;
static char *statebuf;

void jt_logf(const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(logbuf ? logbuf + loglen : NULL, logbuf ? logcap - loglen : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (logbuf && loglen + (size_t)n < logcap) {
			loglen += (size_t)n;
			return;
		}
		logcap = (logcap + (size_t)n + 1) * 2;
		logbuf = realloc(logbuf, logcap);
		if (!logbuf)
			abort();
	}
}

void jt_log_value(const unsigned char *v, size_t len)
{
	if (!v) {
		if (len)
			jt_logf("=(null,%zu)", len);
		return;
	}
	size_t sl = strnlen((const char *)v, len);
	int printable = sl + 1 == len && sl > 0;
	for (size_t i = 0; printable && i < sl; i++)
		if (v[i] < 0x20 || v[i] > 0x7e || v[i] == '"')
			printable = 0;
	if (printable) {
		jt_logf("=\"%s\"", (const char *)v);
		return;
	}
	int zero = len > 0;
	for (size_t i = 0; zero && i < len; i++)
		if (v[i])
			zero = 0;
	if (zero) {
		jt_logf("=[%zu]", len);
		return;
	}
	jt_logf("=hex:");
	for (size_t i = 0; i < len; i++)
		jt_logf("%02x", v[i]);
}

/* Logs "<call> flags=0x.. name=value ..." for an iovec list. */
void jt_log_iov(const char *call, const struct iovec *iov, unsigned niov, int flags)
{
	jt_logf("%s flags=0x%x", call, (unsigned)flags);
	for (unsigned i = 0; i + 1 < niov; i += 2) {
		const char *n = iov[i].iov_base;
		jt_logf(" %s", n ? n : "(null)");
		jt_log_value(iov[i + 1].iov_base, iov[i + 1].iov_len);
	}
	if (niov % 2)
		jt_logf(" (odd niov %u)", niov);
	jt_logf("\n");
}

/* A pending injected failure for fn? Consumes it. */
struct fault *jt_take_fault(const char *fn)
{
	for (int i = 0; i < nfaults; i++) {
		if (strcmp(faults[i].fn, fn) != 0)
			continue;
		if (faults[i].skip > 0) {
			faults[i].skip--;
			return NULL;
		}
		static struct fault hit;
		hit = faults[i];
		memmove(&faults[i], &faults[i + 1], (size_t)(nfaults - i - 1) * sizeof(faults[0]));
		nfaults--;
		return &hit;
	}
	return NULL;
}

int jt_fail(struct req *r, int err, const char *fmt, ...)
{
	if (r && r->errmsg && r->errlen && fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(r->errmsg, r->errlen, fmt, ap);
		va_end(ap);
	}
	jt_logf("  -> -1 errno=%d%s%s\n", err, r && r->errmsg && r->errmsg[0] ? " errmsg=" : "", r && r->errmsg ? r->errmsg : "");
	errno = err;
	return -1;
}

/* Validates names (NUL-terminated, length strlen+1) and finds errmsg. */
int jt_parse_req(struct req *r, const struct iovec *iov, unsigned niov)
{
	r->iov = iov;
	r->niov = niov;
	r->errmsg = NULL;
	r->errlen = 0;
	for (unsigned i = 0; i + 1 < niov; i += 2) {
		const char *n = iov[i].iov_base;
		if (n && iov[i].iov_len > 0 && strcmp(n, "errmsg") == 0 && iov[i].iov_len == 7) {
			r->errmsg = iov[i + 1].iov_base;
			r->errlen = iov[i + 1].iov_len;
		}
	}
	if (niov % 2)
		return jt_fail(r, F_EINVAL, NULL);
	for (unsigned i = 0; i < niov; i += 2) {
		const char *n = iov[i].iov_base;
		if (!n || iov[i].iov_len == 0 || n[iov[i].iov_len - 1] != '\0' || strlen(n) + 1 != iov[i].iov_len)
			return jt_fail(r, F_EINVAL, "bad parameter name");
	}
	return 0;
}

const struct iovec *jt_find(const struct req *r, const char *name)
{
	for (unsigned i = 0; i + 1 < r->niov; i += 2)
		if (strcmp(r->iov[i].iov_base, name) == 0)
			return &r->iov[i + 1];
	return NULL;
}
/* ---- test hooks ---- */

const char *jailtest_log(void)
{
	return logbuf ? logbuf : "";
}

/* "jail <jid> <name> <param>=<value> ..." per jail and "mount <fstype> <fspath>" per mount, in order. */
const char *jailtest_state(void)
{
	char *saved = logbuf;
	size_t slen = loglen, scap = logcap;
	logbuf = NULL;
	loglen = logcap = 0;
	jt_logf("%s", "");
	for (int i = 0; i < MAXJAILS; i++) {
		if (!jt_jails[i].used)
			continue;
		jt_logf("jail %d %s", jt_jails[i].jid, jt_jails[i].name);
		for (int k = 0; k < jt_jails[i].nparams; k++) {
			jt_logf(" %s", jt_jails[i].params[k].name);
			jt_log_value(jt_jails[i].params[k].value, jt_jails[i].params[k].len);
		}
		jt_logf("\n");
	}
	for (int i = 0; i < jt_nmounts; i++)
		jt_logf("mount %s %s\n", jt_mounts[i].fstype, jt_mounts[i].fspath);
	free(statebuf);
	statebuf = logbuf;
	logbuf = saved;
	loglen = slen;
	logcap = scap;
	return statebuf;
}

void jailtest_reset(void)
{
	jt_jail_reset();
	jt_rctl_reset();
	jt_proc_reset();
	jt_mount_reset();
	nfaults = 0;
	loglen = 0;
	if (logbuf)
		logbuf[0] = 0;
}

/* The call to fn after `skip` successful ones fails with FreeBSD errno err and errmsg msg. */
void jailtest_fail_after(const char *fn, int skip, int err, const char *msg)
{
	if (nfaults == MAXFAULTS)
		return;
	struct fault *f = &faults[nfaults++];
	snprintf(f->fn, sizeof f->fn, "%s", fn);
	f->skip = skip;
	f->err = err;
	snprintf(f->msg, sizeof f->msg, "%s", msg ? msg : "");
}

void jailtest_fail_next(const char *fn, int err, const char *msg)
{
	jailtest_fail_after(fn, 0, err, msg);
}
