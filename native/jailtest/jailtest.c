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
 * jailtest_set_kinfo_size. Not thread-safe; tests are sequential. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

/* FreeBSD errno values (sys/errno.h). */
#define F_EPERM 1
#define F_ENOENT 2
#define F_ESRCH 3
#define F_ENOMEM 12
#define F_EEXIST 17
#define F_EINVAL 22

#define JAIL_CREATE 0x01
#define JAIL_UPDATE 0x02
#define JAIL_ATTACH 0x04
#define JAIL_DYING 0x08

#define MAXJAILS 64
#define MAXPARAMS 64
#define MAXMOUNTS 128
#define MAXPROCS 64
#define MAXFAULTS 64
#define KINFO_PROC_SIZE 1088

struct param {
	char name[64];
	unsigned char *value; /* NULL: boolean */
	size_t len;
};

struct jail {
	int used;
	int jid;
	char name[256];
	int nparams;
	struct param params[MAXPARAMS];
};

struct mnt {
	char fstype[32];
	char fspath[1024];
};

struct proc {
	int pid, jid, stat;
	int64_t sec, usec;
};

struct fault {
	char fn[32];
	int skip, err;
	char msg[256];
};

static struct jail jails[MAXJAILS];
static int next_jid = 1;
static struct mnt mounts[MAXMOUNTS];
static int nmounts;
static struct proc procs[MAXPROCS];
static int nprocs;
static struct fault faults[MAXFAULTS];
static int nfaults;
static int kinfo_size = KINFO_PROC_SIZE;
static char *logbuf;
static size_t loglen, logcap;
static char *statebuf;

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
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

static void log_value(const unsigned char *v, size_t len)
{
	if (!v) {
		if (len)
			logf_("=(null,%zu)", len);
		return;
	}
	size_t sl = strnlen((const char *)v, len);
	int printable = sl + 1 == len && sl > 0;
	for (size_t i = 0; printable && i < sl; i++)
		if (v[i] < 0x20 || v[i] > 0x7e || v[i] == '"')
			printable = 0;
	if (printable) {
		logf_("=\"%s\"", (const char *)v);
		return;
	}
	int zero = len > 0;
	for (size_t i = 0; zero && i < len; i++)
		if (v[i])
			zero = 0;
	if (zero) {
		logf_("=[%zu]", len);
		return;
	}
	logf_("=hex:");
	for (size_t i = 0; i < len; i++)
		logf_("%02x", v[i]);
}

/* Logs "<call> flags=0x.. name=value ..." for an iovec list. */
static void log_iov(const char *call, const struct iovec *iov, unsigned niov, int flags)
{
	logf_("%s flags=0x%x", call, (unsigned)flags);
	for (unsigned i = 0; i + 1 < niov; i += 2) {
		const char *n = iov[i].iov_base;
		logf_(" %s", n ? n : "(null)");
		log_value(iov[i + 1].iov_base, iov[i + 1].iov_len);
	}
	if (niov % 2)
		logf_(" (odd niov %u)", niov);
	logf_("\n");
}

/* A pending injected failure for fn? Consumes it. */
static struct fault *take_fault(const char *fn)
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

struct req {
	const struct iovec *iov;
	unsigned niov;
	char *errmsg;
	size_t errlen;
};

static int fail(struct req *r, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct req *r, int err, const char *fmt, ...)
{
	if (r && r->errmsg && r->errlen && fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(r->errmsg, r->errlen, fmt, ap);
		va_end(ap);
	}
	logf_("  -> -1 errno=%d%s%s\n", err, r && r->errmsg && r->errmsg[0] ? " errmsg=" : "", r && r->errmsg ? r->errmsg : "");
	errno = err;
	return -1;
}

/* Validates names (NUL-terminated, length strlen+1) and finds errmsg. */
static int parse_req(struct req *r, const struct iovec *iov, unsigned niov)
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
		return fail(r, F_EINVAL, NULL);
	for (unsigned i = 0; i < niov; i += 2) {
		const char *n = iov[i].iov_base;
		if (!n || iov[i].iov_len == 0 || n[iov[i].iov_len - 1] != '\0' || strlen(n) + 1 != iov[i].iov_len)
			return fail(r, F_EINVAL, "bad parameter name");
	}
	return 0;
}

static const struct iovec *find(const struct req *r, const char *name)
{
	for (unsigned i = 0; i + 1 < r->niov; i += 2)
		if (strcmp(r->iov[i].iov_base, name) == 0)
			return &r->iov[i + 1];
	return NULL;
}

static const char *int_params[] = { "jid", "children.max", "enforce_statfs", "host", "ip4", "ip6", "vnet",
	"sysvmsg", "sysvsem", "sysvshm", "devfs_ruleset", "securelevel", NULL };
static const char *string_params[] = { "name", "path", "host.hostname", "host.domainname", NULL };

static int in_list(const char *s, const char **list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

static int check_value(struct req *r, const char *name, const struct iovec *v)
{
	if (in_list(name, int_params) && (!v->iov_base || v->iov_len != sizeof(int)))
		return fail(r, F_EINVAL, "%s: bad parameter size %zu", name, v->iov_len);
	if (in_list(name, string_params)) {
		const char *s = v->iov_base;
		if (!s || v->iov_len == 0 || s[v->iov_len - 1] != '\0')
			return fail(r, F_EINVAL, "%s: string not null-terminated", name);
	}
	if (strcmp(name, "ip4.addr") == 0 && (v->iov_len == 0 || v->iov_len % 4))
		return fail(r, F_EINVAL, "ip4.addr: bad size %zu", v->iov_len);
	if (strcmp(name, "ip6.addr") == 0 && (v->iov_len == 0 || v->iov_len % 16))
		return fail(r, F_EINVAL, "ip6.addr: bad size %zu", v->iov_len);
	if (!v->iov_base && v->iov_len == 0 && !(strncmp(name, "allow.", 6) == 0 || strstr(name, "persist")))
		return fail(r, F_EINVAL, "%s: not a boolean parameter", name);
	return 0;
}

static struct jail *by_name(const char *name)
{
	for (int i = 0; i < MAXJAILS; i++)
		if (jails[i].used && strcmp(jails[i].name, name) == 0)
			return &jails[i];
	return NULL;
}

static struct jail *by_jid(int jid)
{
	for (int i = 0; i < MAXJAILS; i++)
		if (jails[i].used && jails[i].jid == jid)
			return &jails[i];
	return NULL;
}

static int get_int(const struct jail *j, const char *name, int dflt)
{
	for (int i = 0; i < j->nparams; i++)
		if (strcmp(j->params[i].name, name) == 0 && j->params[i].value && j->params[i].len == sizeof(int)) {
			int v;
			memcpy(&v, j->params[i].value, sizeof v);
			return v;
		}
	return dflt;
}

static int children(const struct jail *j)
{
	size_t n = strlen(j->name);
	int count = 0;
	for (int i = 0; i < MAXJAILS; i++)
		if (jails[i].used && strncmp(jails[i].name, j->name, n) == 0 && jails[i].name[n] == '.' &&
		    !strchr(jails[i].name + n + 1, '.'))
			count++;
	return count;
}

static void store(struct jail *j, const char *name, const struct iovec *v)
{
	struct param *p = NULL;
	for (int i = 0; i < j->nparams; i++)
		if (strcmp(j->params[i].name, name) == 0)
			p = &j->params[i];
	if (!p) {
		if (j->nparams == MAXPARAMS)
			return;
		p = &j->params[j->nparams++];
		snprintf(p->name, sizeof p->name, "%s", name);
	}
	free(p->value);
	p->value = NULL;
	p->len = v->iov_len;
	if (v->iov_base) {
		p->value = malloc(v->iov_len ? v->iov_len : 1);
		memcpy(p->value, v->iov_base, v->iov_len);
	}
}

int jail_set(struct iovec *iov, unsigned int niov, int flags)
{
	struct req r;
	log_iov("jail_set", iov, niov, flags);
	if (parse_req(&r, iov, niov) < 0)
		return -1;
	struct fault *f = take_fault("jail_set");
	if (f)
		return fail(&r, f->err, "%s", f->msg);
	if (!(flags & (JAIL_CREATE | JAIL_UPDATE)) || (flags & ~0xf))
		return fail(&r, F_EINVAL, NULL);
	for (unsigned i = 0; i < niov; i += 2) {
		const char *n = iov[i].iov_base;
		if (strcmp(n, "errmsg") != 0 && check_value(&r, n, &iov[i + 1]) < 0)
			return -1;
	}
	const struct iovec *name = find(&r, "name");
	const struct iovec *jidv = find(&r, "jid");
	int jid = 0;
	if (jidv)
		memcpy(&jid, jidv->iov_base, sizeof jid);
	struct jail *j = jid ? by_jid(jid) : name ? by_name(name->iov_base) : NULL;
	if (j && !(flags & JAIL_UPDATE))
		return jid ? fail(&r, F_EEXIST, "jail %d already exists", jid)
			   : fail(&r, F_EEXIST, "jail \"%s\" already exists", (const char *)name->iov_base);
	if (!j && !(flags & JAIL_CREATE))
		return jid ? fail(&r, F_ENOENT, "jail %d not found", jid)
			   : fail(&r, F_ENOENT, "jail \"%s\" not found", name ? (const char *)name->iov_base : "");
	if (!j) {
		const char *nm = name ? name->iov_base : "";
		const char *dot = strrchr(nm, '.');
		if (dot) {
			char parent[256];
			snprintf(parent, sizeof parent, "%.*s", (int)(dot - nm), nm);
			struct jail *p = by_name(parent);
			if (!p)
				return fail(&r, F_ENOENT, "jail \"%s\" not found", parent);
			if (children(p) >= get_int(p, "children.max", 0))
				return fail(&r, F_EPERM, "prison limit exceeded");
		}
		for (int i = 0; i < MAXJAILS && !j; i++)
			if (!jails[i].used)
				j = &jails[i];
		if (!j)
			return fail(&r, 35, "no free jail slots");
		memset(j, 0, sizeof *j);
		j->used = 1;
		j->jid = jid ? jid : next_jid++;
		snprintf(j->name, sizeof j->name, "%s", name ? nm : "");
		if (!name)
			snprintf(j->name, sizeof j->name, "%d", j->jid);
	}
	for (unsigned i = 0; i < niov; i += 2) {
		const char *n = iov[i].iov_base;
		if (strcmp(n, "errmsg") != 0 && strcmp(n, "name") != 0 && strcmp(n, "jid") != 0)
			store(j, n, &iov[i + 1]);
	}
	logf_("  -> %d\n", j->jid);
	return j->jid;
}

int jail_get(struct iovec *iov, unsigned int niov, int flags)
{
	struct req r;
	log_iov("jail_get", iov, niov, flags);
	if (parse_req(&r, iov, niov) < 0)
		return -1;
	struct fault *f = take_fault("jail_get");
	if (f)
		return fail(&r, f->err, "%s", f->msg);
	const struct iovec *name = find(&r, "name");
	const struct iovec *jidv = find(&r, "jid");
	const struct iovec *last = find(&r, "lastjid");
	int jid = 0;
	if (jidv && jidv->iov_len == sizeof(int))
		memcpy(&jid, jidv->iov_base, sizeof jid);
	struct jail *j = NULL;
	if (jid)
		j = by_jid(jid);
	else if (name && name->iov_base && ((const char *)name->iov_base)[0])
		j = by_name(name->iov_base);
	else if (last && last->iov_len == sizeof(int)) {
		int after;
		memcpy(&after, last->iov_base, sizeof after);
		for (int i = 0; i < MAXJAILS; i++)
			if (jails[i].used && jails[i].jid > after && (!j || jails[i].jid < j->jid))
				j = &jails[i];
		if (!j)
			return fail(&r, F_ENOENT, "no jail after %d", after);
	} else
		return fail(&r, F_ENOENT, "no jail specified");
	if (!j)
		return jid ? fail(&r, F_ENOENT, "jail %d not found", jid)
			   : fail(&r, F_ENOENT, "jail \"%s\" not found", (const char *)name->iov_base);
	for (unsigned i = 0; i < niov; i += 2) {
		const char *n = iov[i].iov_base;
		struct iovec *v = &iov[i + 1];
		if (strcmp(n, "errmsg") == 0 || strcmp(n, "lastjid") == 0)
			continue;
		if (strcmp(n, "jid") == 0 || strcmp(n, "children.cur") == 0 || strcmp(n, "children.max") == 0) {
			int val = strcmp(n, "jid") == 0 ? j->jid : strcmp(n, "children.cur") == 0 ? children(j) : get_int(j, "children.max", 0);
			if (!v->iov_base || v->iov_len != sizeof(int))
				return fail(&r, F_EINVAL, "%s: bad parameter size", n);
			memcpy(v->iov_base, &val, sizeof val);
			continue;
		}
		if (strcmp(n, "name") == 0) {
			if (!v->iov_base || v->iov_len <= strlen(j->name))
				return fail(&r, F_EINVAL, "name: buffer too small");
			strcpy(v->iov_base, j->name);
			continue;
		}
		struct param *p = NULL;
		for (int k = 0; k < j->nparams; k++)
			if (strcmp(j->params[k].name, n) == 0)
				p = &j->params[k];
		if (!p)
			return fail(&r, F_ENOENT, "unknown parameter: %s", n);
		if (p->value && v->iov_base) {
			if (v->iov_len < p->len)
				return fail(&r, F_EINVAL, "%s: buffer too small", n);
			memcpy(v->iov_base, p->value, p->len);
		}
	}
	logf_("  -> %d\n", j->jid);
	return j->jid;
}

int jail_remove(int jid)
{
	logf_("jail_remove jid=%d\n", jid);
	struct fault *f = take_fault("jail_remove");
	if (f)
		return fail(NULL, f->err, NULL);
	struct jail *j = by_jid(jid);
	if (!j)
		return fail(NULL, F_EINVAL, NULL);
	size_t n = strlen(j->name);
	char prefix[260];
	snprintf(prefix, sizeof prefix, "%.255s.", j->name);
	for (int i = 0; i < MAXJAILS; i++) {
		if (!jails[i].used || (&jails[i] != j && strncmp(jails[i].name, prefix, n + 1) != 0))
			continue;
		for (int p = 0; p < nprocs;)
			if (procs[p].jid == jails[i].jid)
				procs[p] = procs[--nprocs];
			else
				p++;
		for (int k = 0; k < jails[i].nparams; k++)
			free(jails[i].params[k].value);
		jails[i].nparams = 0;
		jails[i].used = 0;
	}
	logf_("  -> 0\n");
	return 0;
}

int nmount(struct iovec *iov, unsigned int niov, int flags)
{
	struct req r;
	log_iov("nmount", iov, niov, flags);
	if (parse_req(&r, iov, niov) < 0)
		return -1;
	struct fault *f = take_fault("nmount");
	if (f)
		return fail(&r, f->err, "%s", f->msg);
	const struct iovec *fstype = find(&r, "fstype");
	const struct iovec *fspath = find(&r, "fspath");
	if (!fstype || !fspath || !fstype->iov_base || !fspath->iov_base)
		return fail(&r, F_EINVAL, "fstype and fspath are required");
	if (nmounts == MAXMOUNTS)
		return fail(&r, F_ENOMEM, "mount table full");
	snprintf(mounts[nmounts].fstype, sizeof mounts[0].fstype, "%s", (const char *)fstype->iov_base);
	snprintf(mounts[nmounts].fspath, sizeof mounts[0].fspath, "%s", (const char *)fspath->iov_base);
	nmounts++;
	logf_("  -> 0\n");
	return 0;
}

int unmount(const char *dir, int flags)
{
	logf_("unmount \"%s\" flags=0x%x\n", dir, (unsigned)flags);
	struct fault *f = take_fault("unmount");
	if (f)
		return fail(NULL, f->err, NULL);
	for (int i = nmounts - 1; i >= 0; i--) {
		if (strcmp(mounts[i].fspath, dir) != 0)
			continue;
		memmove(&mounts[i], &mounts[i + 1], (size_t)(nmounts - i - 1) * sizeof mounts[0]);
		nmounts--;
		logf_("  -> 0\n");
		return 0;
	}
	return fail(NULL, F_EINVAL, NULL);
}

/* getfsstat(2) (sys/kern/vfs_syscalls.c, kern_getfsstat): with a NULL buffer
 * the number of mounted filesystems; otherwise one struct statfs per mount,
 * in mount order, as many as fit in bufsize, and the number written. Only
 * the fields runj reads are filled: f_version, f_fstypename, f_mntonname
 * (FreeBSD's layout: 2344 bytes, f_fstypename at 280, f_mntonname at 1320). */
#define STATFS_SIZE 2344
#define STATFS_VERSION 0x20140518
int getfsstat(void *buf, long bufsize, int mode)
{
	logf_("getfsstat buf=%s bufsize=%ld mode=%d\n", buf ? "buf" : "NULL", bufsize, mode);
	struct fault *f = take_fault("getfsstat");
	if (f)
		return fail(NULL, f->err, NULL);
	if (!buf) {
		logf_("  -> %d\n", nmounts);
		return nmounts;
	}
	int n = 0;
	for (; n < nmounts && (long)(n + 1) * STATFS_SIZE <= bufsize; n++) {
		unsigned char *out = (unsigned char *)buf + (size_t)n * STATFS_SIZE;
		uint32_t version = STATFS_VERSION;
		memset(out, 0, STATFS_SIZE);
		memcpy(out, &version, sizeof version);
		memcpy(out + 280, mounts[n].fstype, strnlen(mounts[n].fstype, 15));
		memcpy(out + 1320, mounts[n].fspath, strnlen(mounts[n].fspath, 1023));
	}
	logf_("  -> %d\n", n);
	return n;
}

int kill(int pid, int sig)
{
	logf_("kill pid=%d sig=%d\n", pid, sig);
	struct fault *f = take_fault("kill");
	if (f)
		return fail(NULL, f->err, NULL);
	for (int i = 0; i < nprocs; i++) {
		if (procs[i].pid != pid)
			continue;
		if (sig == 9)
			procs[i] = procs[--nprocs];
		logf_("  -> 0\n");
		return 0;
	}
	return fail(NULL, F_ESRCH, NULL);
}

static void put_kinfo(unsigned char *out, const struct proc *p)
{
	memset(out, 0, KINFO_PROC_SIZE);
	memcpy(out + 0, &kinfo_size, sizeof(int));
	memcpy(out + 72, &p->pid, sizeof(int));
	memcpy(out + 336, &p->sec, sizeof(int64_t));
	memcpy(out + 344, &p->usec, sizeof(int64_t));
	out[388] = (unsigned char)p->stat;
	memcpy(out + 592, &p->jid, sizeof(int));
}

int sysctl(const int *name, unsigned int namelen, void *oldp, size_t *oldlenp, const void *newp, size_t newlen)
{
	logf_("sysctl");
	for (unsigned i = 0; i < namelen; i++)
		logf_("%s%d", i ? "." : " ", name[i]);
	logf_(" oldp=%s oldlen=%zu\n", oldp ? "buf" : "NULL", oldlenp ? *oldlenp : 0);
	struct fault *f = take_fault("sysctl");
	if (f)
		return fail(NULL, f->err, NULL);
	if (newp || newlen || namelen < 3 || name[0] != 1 || name[1] != 14 || !oldlenp)
		return fail(NULL, F_ENOENT, NULL);
	const struct proc *sel[MAXPROCS];
	int n = 0;
	if (namelen == 4 && name[2] == 1) {
		for (int i = 0; i < nprocs; i++)
			if (procs[i].pid == name[3])
				sel[n++] = &procs[i];
		if (!n)
			return fail(NULL, F_ESRCH, NULL);
	} else if (namelen == 3 && name[2] == 8) {
		for (int i = 0; i < nprocs; i++)
			sel[n++] = &procs[i];
	} else
		return fail(NULL, F_ENOENT, NULL);
	size_t need = (size_t)n * KINFO_PROC_SIZE;
	if (!oldp) {
		*oldlenp = need;
		logf_("  -> 0 len=%zu\n", need);
		return 0;
	}
	if (*oldlenp < need)
		return fail(NULL, F_ENOMEM, NULL);
	for (int i = 0; i < n; i++)
		put_kinfo((unsigned char *)oldp + (size_t)i * KINFO_PROC_SIZE, sel[i]);
	*oldlenp = need;
	logf_("  -> 0 len=%zu\n", need);
	return 0;
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
	logf_("%s", "");
	for (int i = 0; i < MAXJAILS; i++) {
		if (!jails[i].used)
			continue;
		logf_("jail %d %s", jails[i].jid, jails[i].name);
		for (int k = 0; k < jails[i].nparams; k++) {
			logf_(" %s", jails[i].params[k].name);
			log_value(jails[i].params[k].value, jails[i].params[k].len);
		}
		logf_("\n");
	}
	for (int i = 0; i < nmounts; i++)
		logf_("mount %s %s\n", mounts[i].fstype, mounts[i].fspath);
	free(statebuf);
	statebuf = logbuf;
	logbuf = saved;
	loglen = slen;
	logcap = scap;
	return statebuf;
}

void jailtest_reset(void)
{
	for (int i = 0; i < MAXJAILS; i++) {
		for (int k = 0; k < jails[i].nparams; k++)
			free(jails[i].params[k].value);
		jails[i].used = 0;
		jails[i].nparams = 0;
	}
	next_jid = 1;
	nmounts = nprocs = nfaults = 0;
	kinfo_size = KINFO_PROC_SIZE;
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

void jailtest_add_proc(int pid, int jid, long long sec, long long usec, int stat)
{
	if (nprocs == MAXPROCS)
		return;
	procs[nprocs++] = (struct proc){ .pid = pid, .jid = jid, .stat = stat, .sec = sec, .usec = usec };
}

void jailtest_set_kinfo_size(int size)
{
	kinfo_size = size;
}
