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
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fcntl.h>
#include <linux/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>

/* FreeBSD errno values (sys/errno.h). */
#define F_EPERM 1
#define F_ENOENT 2
#define F_ESRCH 3
#define F_ENOMEM 12
#define F_EEXIST 17
#define F_EINVAL 22
#define F_EMLINK 31
#define F_EAGAIN 35
#define F_ELOOP 62
#define F_ENAMETOOLONG 63
#define F_ENOTEMPTY 66

/* JAIL_* and the prototypes the functions below must match. */
#include "include/sys/jail.h"

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
	char fspath[1024]; /* f_mntonname: the covered directory's path, symlinks followed */
	char from[1024];   /* f_mntfromname: nullfs's target, else "from" (or the fstype) */
	int fsid[2];
};

/* start is p_start: uptime at fork (kern_fork.c), which no clock step moves. */
struct proc {
	int pid, jid, stat;
	int64_t sec, usec;
};

/* The boot-time estimate (getboottime()); a clock step (tc_setclock) moves
 * it, and with it every ki_start, which is p_start + boottime
 * (kern_proc.c fill_kinfo_proc_only). */
static int64_t boot_sec = 1600000000, boot_usec;
static int step_after = -1;
static int64_t step_by;

static void step_clock(int64_t sec)
{
	boot_sec += sec;
}

struct fault {
	char fn[32];
	int skip, err;
	char msg[256];
};

static struct jail jails[MAXJAILS];
static int next_jid = 1;
static struct mnt mounts[MAXMOUNTS];
static int nmounts;
static int next_fsid = 1;
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

/* The parameters kern_jail_set() and kern_jail_get() know (sys/kern/kern_jail.c:
 * the vfs_copyopt/vfs_getopt/vfs_flagopt calls, pr_flag_bool, pr_flag_jailsys,
 * pr_flag_allow and the allow.mount.<fs> flags file systems register through
 * prison_add_allow(); sysvmsg/sysvsem/sysvshm come from the SysV IPC modules'
 * OSD methods). Anything else fails the "all parameters should have been
 * noted" loop: EINVAL with errmsg "unknown parameter: NAME". */
enum ptype { P_INT, P_STR, P_BOOL, P_IP4, P_IP6 };
struct pdef {
	const char *name;
	enum ptype type;
};
static const struct pdef pdefs[] = {
	{ "jid", P_INT }, { "parent", P_INT }, { "securelevel", P_INT }, { "children.max", P_INT },
	{ "children.cur", P_INT }, { "enforce_statfs", P_INT }, { "devfs_ruleset", P_INT }, { "osreldate", P_INT },
	{ "cpuset.id", P_INT }, { "host", P_INT }, { "ip4", P_INT }, { "ip6", P_INT }, { "vnet", P_INT },
	{ "sysvmsg", P_INT }, { "sysvsem", P_INT }, { "sysvshm", P_INT },
	{ "name", P_STR }, { "path", P_STR }, { "host.hostname", P_STR }, { "host.domainname", P_STR },
	{ "host.hostuuid", P_STR }, { "osrelease", P_STR },
	{ "ip4.addr", P_IP4 }, { "ip6.addr", P_IP6 },
	{ "persist", P_BOOL }, { "dying", P_BOOL }, { "ip4.saddrsel", P_BOOL }, { "ip6.saddrsel", P_BOOL },
	{ "allow.set_hostname", P_BOOL }, { "allow.sysvipc", P_BOOL }, { "allow.raw_sockets", P_BOOL },
	{ "allow.chflags", P_BOOL }, { "allow.mount", P_BOOL }, { "allow.quotas", P_BOOL }, { "allow.socket_af", P_BOOL },
	{ "allow.mlock", P_BOOL }, { "allow.reserved_ports", P_BOOL }, { "allow.read_msgbuf", P_BOOL },
	{ "allow.unprivileged_proc_debug", P_BOOL }, { "allow.suser", P_BOOL }, { "allow.nfsd", P_BOOL },
	{ "allow.extattr", P_BOOL }, { "allow.adjtime", P_BOOL }, { "allow.settime", P_BOOL },
	{ "allow.routing", P_BOOL }, { "allow.vmm", P_BOOL },
	{ "allow.mount.devfs", P_BOOL }, { "allow.mount.fdescfs", P_BOOL }, { "allow.mount.fusefs", P_BOOL },
	{ "allow.mount.lindebugfs", P_BOOL }, { "allow.mount.linprocfs", P_BOOL }, { "allow.mount.linsysfs", P_BOOL },
	{ "allow.mount.nullfs", P_BOOL }, { "allow.mount.procfs", P_BOOL }, { "allow.mount.tmpfs", P_BOOL },
	{ "allow.mount.zfs", P_BOOL },
};

/* The definition of a parameter name; booleans also by their "no" name
 * ("allow.noraw_sockets", "nopersist"), as vfs_flagopt() matches both. */
static const struct pdef *pdef_of(const char *name)
{
	for (size_t i = 0; i < sizeof pdefs / sizeof pdefs[0]; i++)
		if (strcmp(pdefs[i].name, name) == 0)
			return &pdefs[i];
	const char *dot = strrchr(name, '.');
	const char *leaf = dot ? dot + 1 : name;
	if (strncmp(leaf, "no", 2) != 0)
		return NULL;
	char yes[128];
	snprintf(yes, sizeof yes, "%.*s%s", (int)(leaf - name), name, leaf + 2);
	const struct pdef *d = pdef_of(yes);
	return d && d->type == P_BOOL ? d : NULL;
}

/* JAIL_MAX (sys/jail.h): prison0's pr_childmax. */
#define JAIL_MAX 999999

/* The prison the calling process is in, by absolute name; "" is the host
 * (prison0). Names the caller passes and gets back are relative to it, and
 * only its descendants are visible (prison_find_child, prison_name). */
static char caller[256];

static int visible(const struct jail *j)
{
	size_t n = strlen(caller);
	return !n || (strncmp(j->name, caller, n) == 0 && j->name[n] == '.');
}

/* Too long a name is cut off; the lookup then fails as for any unknown name. */
static void absolute(const char *rel, char *out, size_t len)
{
	int n = caller[0] ? snprintf(out, len, "%s.%s", caller, rel) : snprintf(out, len, "%s", rel);
	if (n < 0)
		out[0] = 0;
}

static const char *relative(const struct jail *j)
{
	return caller[0] ? j->name + strlen(caller) + 1 : j->name;
}

static int check_value(struct req *r, const char *name, const struct iovec *v)
{
	const struct pdef *d = pdef_of(name);
	if (!d)
		return 0; /* refused after the lookup, as the kernel does */
	if (d->type == P_INT && (!v->iov_base || v->iov_len != sizeof(int)))
		return fail(r, F_EINVAL, "%s: bad parameter size %zu", name, v->iov_len);
	if (d->type == P_STR) {
		const char *s = v->iov_base;
		if (!s || v->iov_len == 0 || s[v->iov_len - 1] != '\0')
			return fail(r, F_EINVAL, "%s: string not null-terminated", name);
	}
	/* kern_jail_set: "ip4s & (sizeof(*ip4) - 1)" is EINVAL; a length of 0
	 * is accepted and means a jail with no IPv4 addresses (likewise IPv6). */
	if (d->type == P_IP4 && v->iov_len % 4)
		return fail(r, F_EINVAL, "ip4.addr: bad size %zu", v->iov_len);
	if (d->type == P_IP6 && v->iov_len % 16)
		return fail(r, F_EINVAL, "ip6.addr: bad size %zu", v->iov_len);
	if (!v->iov_base && v->iov_len == 0 && d->type != P_BOOL && d->type != P_IP4 && d->type != P_IP6)
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

/* pr_childcount: kern_jail_set() adds one to every ancestor of a new jail,
 * so it counts all descendants, not only children. name "" is the host. */
static int descendants(const char *name)
{
	size_t n = strlen(name);
	int count = 0;
	for (int i = 0; i < MAXJAILS; i++)
		if (jails[i].used && (!n || (strncmp(jails[i].name, name, n) == 0 && jails[i].name[n] == '.')))
			count++;
	return count;
}

/* pr_childmax of the prison with this absolute name ("" is prison0). */
static int childmax(const char *name)
{
	if (!name[0])
		return JAIL_MAX;
	struct jail *j = by_name(name);
	return j ? get_int(j, "children.max", 0) : 0;
}

static void parent_of(const char *name, char *out, size_t len)
{
	const char *dot = strrchr(name, '.');
	snprintf(out, len, "%.*s", dot ? (int)(dot - name) : 0, name);
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
	/* kern_jail_set: a jailed caller whose own children.max is 0 cannot create. */
	if ((flags & JAIL_CREATE) && childmax(caller) == 0)
		return fail(&r, F_EPERM, NULL);
	if (!(flags & (JAIL_CREATE | JAIL_UPDATE)) || (flags & ~0xf))
		return fail(&r, F_EINVAL, NULL);
	for (unsigned i = 0; i < niov; i += 2) {
		const char *n = iov[i].iov_base;
		if (strcmp(n, "errmsg") != 0 && check_value(&r, n, &iov[i + 1]) < 0)
			return -1;
	}
	/* kern_jail_set: a jail created without JAIL_ATTACH would die at once. */
	if ((flags & (JAIL_CREATE | JAIL_ATTACH)) == JAIL_CREATE && !find(&r, "persist"))
		return fail(&r, F_EINVAL, "new jail must persist or attach");
	const struct iovec *name = find(&r, "name");
	const struct iovec *jidv = find(&r, "jid");
	int jid = 0;
	if (jidv)
		memcpy(&jid, jidv->iov_base, sizeof jid);
	char absname[256] = "";
	if (name)
		absolute(name->iov_base, absname, sizeof absname);
	struct jail *j = jid ? by_jid(jid) : name ? by_name(absname) : NULL;
	/* Creators get EEXIST even for a jail they cannot see; updaters get ENOENT. */
	if (j && !(flags & JAIL_UPDATE))
		return jid ? fail(&r, F_EEXIST, "jail %d already exists", jid)
			   : fail(&r, F_EEXIST, "jail \"%s\" already exists", (const char *)name->iov_base);
	if (j && !visible(j))
		j = NULL;
	if (!j && !(flags & JAIL_CREATE))
		return jid ? fail(&r, F_ENOENT, "jail %d not found", jid)
			   : fail(&r, F_ENOENT, "jail \"%s\" not found", name ? (const char *)name->iov_base : "");
	char parent[256];
	parent_of(j ? j->name : absname, parent, sizeof parent);
	if (!j) {
		if (parent[0] && (strcmp(parent, caller) != 0) && (!by_name(parent) || !visible(by_name(parent)))) {
			const char *rel = caller[0] ? parent + strlen(caller) + 1 : parent;
			return fail(&r, F_ENOENT, "jail \"%s\" not found", rel);
		}
		/* The limit is checked along the caller's prison chain (mypr and
		 * its ancestors), not the new jail's parent's. */
		char t[256];
		snprintf(t, sizeof t, "%s", caller);
		for (;;) {
			if (descendants(t) >= childmax(t))
				return fail(&r, F_EPERM, "prison limit exceeded");
			if (!t[0])
				break;
			char *dot = strrchr(t, '.');
			*(dot ? dot : t) = 0;
		}
	}
	const struct iovec *cm = find(&r, "children.max");
	if (cm) {
		int want;
		memcpy(&want, cm->iov_base, sizeof want);
		/* "if (childmax >= ppr->pr_childmax) error = EPERM", without an errmsg. */
		if (want >= childmax(parent))
			return fail(&r, F_EPERM, NULL);
	}
	for (unsigned i = 0; i < niov; i += 2) {
		const char *n = iov[i].iov_base;
		if (strcmp(n, "errmsg") != 0 && !pdef_of(n))
			return fail(&r, F_EINVAL, "unknown parameter: %s", n);
	}
	if (!j) {
		for (int i = 0; i < MAXJAILS && !j; i++)
			if (!jails[i].used)
				j = &jails[i];
		if (!j)
			return fail(&r, F_EAGAIN, "no free jail slots");
		memset(j, 0, sizeof *j);
		j->used = 1;
		j->jid = jid ? jid : next_jid++;
		if (name)
			snprintf(j->name, sizeof j->name, "%s", absname);
		else if (caller[0] && snprintf(j->name, sizeof j->name, "%s.%d", caller, j->jid) < 0)
			j->name[0] = 0;
		else
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
	else if (name && name->iov_base && ((const char *)name->iov_base)[0]) {
		char absname[256];
		absolute(name->iov_base, absname, sizeof absname);
		j = by_name(absname);
	} else if (last && last->iov_len == sizeof(int)) {
		int after;
		memcpy(&after, last->iov_base, sizeof after);
		for (int i = 0; i < MAXJAILS; i++)
			if (jails[i].used && visible(&jails[i]) && jails[i].jid > after && (!j || jails[i].jid < j->jid))
				j = &jails[i];
		if (!j)
			return fail(&r, F_ENOENT, "no jail after %d", after);
	} else
		return fail(&r, F_ENOENT, "no jail specified");
	if (j && !visible(j))
		j = NULL;
	if (!j)
		return jid ? fail(&r, F_ENOENT, "jail %d not found", jid)
			   : fail(&r, F_ENOENT, "jail \"%s\" not found", (const char *)name->iov_base);
	/* kern_jail_get: every requested name must have been noted by the end. */
	for (unsigned i = 0; i < niov; i += 2) {
		const char *n = iov[i].iov_base;
		if (strcmp(n, "errmsg") != 0 && strcmp(n, "lastjid") != 0 && !pdef_of(n))
			return fail(&r, F_EINVAL, "unknown parameter: %s", n);
	}
	for (unsigned i = 0; i < niov; i += 2) {
		const char *n = iov[i].iov_base;
		struct iovec *v = &iov[i + 1];
		if (strcmp(n, "errmsg") == 0 || strcmp(n, "lastjid") == 0)
			continue;
		if (strcmp(n, "jid") == 0 || strcmp(n, "children.cur") == 0 || strcmp(n, "children.max") == 0) {
			int val = strcmp(n, "jid") == 0 ? j->jid : strcmp(n, "children.cur") == 0 ? descendants(j->name) : get_int(j, "children.max", 0);
			if (!v->iov_base || v->iov_len != sizeof(int))
				return fail(&r, F_EINVAL, "%s: bad parameter size", n);
			memcpy(v->iov_base, &val, sizeof val);
			continue;
		}
		if (strcmp(n, "name") == 0) {
			const char *rel = relative(j);
			if (!v->iov_base || v->iov_len <= strlen(rel))
				return fail(&r, F_EINVAL, "name: buffer too small");
			strcpy(v->iov_base, rel);
			continue;
		}
		struct param *p = NULL;
		for (int k = 0; k < j->nparams; k++)
			if (strcmp(j->params[k].name, n) == 0)
				p = &j->params[k];
		if (!p) {
			/* A known parameter this jail never set: its default, zero here. */
			if (v->iov_base)
				memset(v->iov_base, 0, v->iov_len);
			continue;
		}
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

/* ---- file system calls: FreeBSD's ABI over the test's real files ----
 *
 * runj resolves mount points with openat/mkdirat/fstatat/readlinkat from a
 * root fd and checks mounts with statfs/fstatfs/getfsstat. These take
 * FreeBSD's flag values, errno numbers and struct layouts (LP64), and work
 * on the Linux files of the test through raw system calls (the Linux libc
 * functions of the same names are not used: this library defines them).
 * statfs(2) answers from the mounts recorded by nmount, over a root file
 * system; nothing is really mounted. Not logged: the log keeps the
 * jail/mount calls the tests compare. */

long syscall(long number, ...);

/* FreeBSD's numbers, F_<name> for a constant, F_SIZEOF_<struct> and
 * F_OFF_<struct>_<field> for a layout: scripts/abi-check.mjs checks each
 * against the Rust libc crate and Go's x/sys/unix, as it does abi.ts. */
#define F_MNT_BYFSID 0x08000000
#define F_AT_FDCWD (-100)
#define F_AT_SYMLINK_NOFOLLOW 0x200
#define F_O_ACCMODE 0x3
#define F_O_NONBLOCK 0x4
#define F_O_NOFOLLOW 0x100
#define F_O_CREAT 0x200
#define F_O_TRUNC 0x400
#define F_O_EXCL 0x800
#define F_O_DIRECTORY 0x20000
#define F_O_CLOEXEC 0x100000
#define F_SIZEOF_stat 224
#define F_OFF_stat_st_dev 0
#define F_OFF_stat_st_ino 8
#define F_OFF_stat_st_nlink 16
#define F_OFF_stat_st_mode 24
#define F_OFF_stat_st_uid 28
#define F_OFF_stat_st_gid 32
#define F_OFF_stat_st_size 112
#define F_SIZEOF_statfs 2344
#define F_OFF_statfs_f_version 0
#define F_OFF_statfs_f_fsid 192
#define F_OFF_statfs_f_fstypename 280
#define F_OFF_statfs_f_mntfromname 296
#define F_OFF_statfs_f_mntonname 1320
#define F_MFSNAMELEN 16
#define F_MNAMELEN 1024
/* sys/mount.h STATFS_VERSION (neither source has it, so no F_). */
#define STATFS_VERSION 0x20140518

/* FreeBSD's mode_t (sys/_types.h: __uint16_t). */
typedef uint16_t f_mode_t;

/* The test hook's swap: at the next nmount, `dir` becomes a symlink to
 * `target` before the kernel looks fspath up (a racing process renamed a
 * prepared symlink over it); with `back`, the directory returns right after
 * the mount. */
static struct {
	int armed, back;
	char dir[1024], target[1024], aside[1100];
} swap;

static void swap_in(void)
{
	if (!swap.armed)
		return;
	snprintf(swap.aside, sizeof swap.aside, "%s.jailtest-aside", swap.dir);
	if (rename(swap.dir, swap.aside) < 0 || syscall(SYS_symlinkat, swap.target, AT_FDCWD, swap.dir) < 0)
		abort();
}

static void swap_back(void)
{
	if (!swap.armed)
		return;
	swap.armed = 0;
	if (swap.back && (syscall(SYS_unlinkat, AT_FDCWD, swap.dir, 0) < 0 || rename(swap.aside, swap.dir) < 0))
		abort();
}

void jailtest_swap_on_nmount(const char *dir, const char *target, int back)
{
	snprintf(swap.dir, sizeof swap.dir, "%s", dir);
	snprintf(swap.target, sizeof swap.target, "%s", target);
	swap.back = back;
	swap.armed = 1;
}

/* Linux errno -> FreeBSD errno (sys/errno.h) for what these calls return. */
static int fbsd_errno(int e, int nofollow)
{
	switch (e) {
	case ELOOP:
		/* sys/kern/vfs_vnops.c, vn_open_cred(): O_NOFOLLOW on a symlink is EMLINK. */
		return nofollow ? F_EMLINK : F_ELOOP;
	case ENAMETOOLONG: return F_ENAMETOOLONG;
	case ENOTEMPTY: return F_ENOTEMPTY;
	case EAGAIN: return F_EAGAIN;
	default: return e; /* 1..34 are the same numbers */
	}
}

static int sysret(long r, int nofollow)
{
	if (r < 0) {
		errno = fbsd_errno(errno, nofollow);
		return -1;
	}
	return (int)r;
}

int openat(int fd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	int mode = (flags & F_O_CREAT) ? va_arg(ap, int) : 0;
	va_end(ap);
	int lf = (flags & F_O_ACCMODE) | (flags & F_O_NOFOLLOW ? O_NOFOLLOW : 0) | (flags & F_O_CREAT ? O_CREAT : 0) |
		 (flags & F_O_EXCL ? O_EXCL : 0) | (flags & F_O_TRUNC ? O_TRUNC : 0) | (flags & F_O_NONBLOCK ? O_NONBLOCK : 0) |
		 (flags & F_O_DIRECTORY ? O_DIRECTORY : 0) | (flags & F_O_CLOEXEC ? O_CLOEXEC : 0);
	return sysret(syscall(SYS_openat, fd, path, lf, mode), (flags & F_O_NOFOLLOW) != 0);
}

int mkdirat(int fd, const char *path, f_mode_t mode)
{
	return sysret(syscall(SYS_mkdirat, fd, path, mode), 0);
}

int close(int fd)
{
	return sysret(syscall(SYS_close, fd), 0);
}

long readlinkat(int fd, const char *path, char *buf, size_t size)
{
	long r = syscall(SYS_readlinkat, fd, path, buf, size);
	return r < 0 ? sysret(r, 0) : r;
}

/* struct stat of FreeBSD 12+ (LP64), the fields a test can look at. */
static int put_stat(long r, const struct statx *x, unsigned char *out)
{
	if (r < 0)
		return sysret(r, 0);
	memset(out, 0, F_SIZEOF_stat);
	uint64_t dev = ((uint64_t)x->stx_dev_major << 32) | x->stx_dev_minor, ino = x->stx_ino, nlink = x->stx_nlink;
	f_mode_t mode = x->stx_mode;
	int64_t size = (int64_t)x->stx_size;
	memcpy(out + F_OFF_stat_st_dev, &dev, 8);
	memcpy(out + F_OFF_stat_st_ino, &ino, 8);
	memcpy(out + F_OFF_stat_st_nlink, &nlink, 8);
	memcpy(out + F_OFF_stat_st_mode, &mode, sizeof mode);
	memcpy(out + F_OFF_stat_st_uid, &x->stx_uid, 4);
	memcpy(out + F_OFF_stat_st_gid, &x->stx_gid, 4);
	memcpy(out + F_OFF_stat_st_size, &size, 8);
	return 0;
}

int fstatat(int fd, const char *path, void *buf, int flag)
{
	struct statx x;
	int lflags = flag & F_AT_SYMLINK_NOFOLLOW ? AT_SYMLINK_NOFOLLOW : 0;
	return put_stat(syscall(SYS_statx, fd, path, lflags, STATX_BASIC_STATS, &x), &x, buf);
}

int fstat(int fd, void *buf)
{
	struct statx x;
	return put_stat(syscall(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &x), &x, buf);
}

static const struct mnt root_fs = { "ufs", "/", "/dev/ada0p2", { 0x5eed, 0x35 } };

/* The mount a resolved path is in: the last one whose f_mntonname is the
 * path or a directory above it, else the root file system. */
static const struct mnt *mount_of(const char *real)
{
	const struct mnt *best = &root_fs;
	size_t bestlen = 0;
	for (int i = 0; i < nmounts; i++) {
		size_t n = strlen(mounts[i].fspath);
		if (strncmp(real, mounts[i].fspath, n) == 0 && (real[n] == '/' || real[n] == 0) && n >= bestlen) {
			best = &mounts[i];
			bestlen = n;
		}
	}
	return best;
}

/* struct statfs of FreeBSD 12+, the fields runj reads and f_version. */
static void put_statfs(const struct mnt *m, unsigned char *out)
{
	memset(out, 0, F_SIZEOF_statfs);
	uint32_t version = STATFS_VERSION;
	memcpy(out + F_OFF_statfs_f_version, &version, 4);
	memcpy(out + F_OFF_statfs_f_fsid, m->fsid, 8);
	snprintf((char *)out + F_OFF_statfs_f_fstypename, F_MFSNAMELEN, "%.15s", m->fstype);
	snprintf((char *)out + F_OFF_statfs_f_mntfromname, F_MNAMELEN, "%s", m->from);
	snprintf((char *)out + F_OFF_statfs_f_mntonname, F_MNAMELEN, "%s", m->fspath);
}

int statfs(const char *path, void *buf)
{
	char real[4096];
	if (!realpath(path, real)) /* statfs(2) follows symlinks: namei(FOLLOW) in kern_statfs() */
		return sysret(-1, 0);
	put_statfs(mount_of(real), buf);
	return 0;
}

int fstatfs(int fd, void *buf)
{
	char link[64], real[4096];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	long n = syscall(SYS_readlinkat, AT_FDCWD, link, real, sizeof real - 1);
	if (n < 0)
		return sysret(n, 0);
	real[n] = 0;
	put_statfs(mount_of(real), buf);
	return 0;
}

/* getfsstat(2): the root file system, then the mounts in mount order. With
 * no buffer, the count; else as many as fit. */
int getfsstat(void *buf, long bufsize, int mode)
{
	(void)mode;
	int total = nmounts + 1;
	if (!buf)
		return total;
	int fit = (int)(bufsize / F_SIZEOF_statfs), n = 0;
	for (; n < total && n < fit; n++)
		put_statfs(n == 0 ? &root_fs : &mounts[n - 1], (unsigned char *)buf + (size_t)n * F_SIZEOF_statfs);
	return n;
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
	struct mnt *m = &mounts[nmounts];
	snprintf(m->fstype, sizeof m->fstype, "%s", (const char *)fstype->iov_base);
	swap_in();
	/* sys/kern/vfs_mount.c, vfs_domount(): fspath is looked up with
	 * namei(FOLLOW), so a symlink swapped in on the way is followed, and
	 * vn_path_to_global_path() (vfs_cache.c) stores the covered vnode's
	 * global path as f_mntonname. Modelled with realpath(3) on the test's
	 * files; a path that does not exist is recorded as given. */
	if (!realpath(fspath->iov_base, m->fspath))
		snprintf(m->fspath, sizeof m->fspath, "%s", (const char *)fspath->iov_base);
	const struct iovec *from = find(&r, strcmp(m->fstype, "nullfs") == 0 ? "target" : "from");
	snprintf(m->from, sizeof m->from, "%s", from && from->iov_base ? (const char *)from->iov_base : m->fstype);
	m->fsid[0] = 0x1000 + next_fsid++;
	m->fsid[1] = 0x3a; /* a per-type value in the kernel's vfs_getnewfsid() */
	nmounts++;
	swap_back();
	logf_("  -> 0\n");
	return 0;
}

int unmount(const char *dir, int flags)
{
	logf_("unmount \"%s\" flags=0x%x\n", dir, (unsigned)flags);
	struct fault *f = take_fault("unmount");
	if (f)
		return fail(NULL, f->err, NULL);
	/* sys/kern/vfs_mount.c, kern_unmount(): with MNT_BYFSID the path is
	 * "FSID:<val0>:<val1>" (decimal) and names the mount by its fsid, which
	 * reaches a mount whatever its path became; otherwise the path is looked
	 * up (symlinks followed) and must be a mount's root. */
	int byfsid = (flags & F_MNT_BYFSID) != 0, fsid[2] = {0, 0};
	char real[1024];
	if (byfsid && sscanf(dir, "FSID:%d:%d", &fsid[0], &fsid[1]) != 2)
		return fail(NULL, F_EINVAL, NULL);
	if (!byfsid && realpath(dir, real))
		dir = real;
	for (int i = nmounts - 1; i >= 0; i--) {
		if (byfsid ? mounts[i].fsid[0] != fsid[0] || mounts[i].fsid[1] != fsid[1] : strcmp(mounts[i].fspath, dir) != 0)
			continue;
		memmove(&mounts[i], &mounts[i + 1], (size_t)(nmounts - i - 1) * sizeof mounts[0]);
		nmounts--;
		logf_("  -> 0\n");
		return 0;
	}
	return fail(NULL, F_EINVAL, NULL);
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
	int64_t sec = p->sec + boot_sec, usec = p->usec + boot_usec;
	if (usec >= 1000000) {
		sec++;
		usec -= 1000000;
	}
	memcpy(out + 336, &sec, sizeof(int64_t));
	memcpy(out + 344, &usec, sizeof(int64_t));
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
	if (step_after >= 0 && step_after-- == 0)
		step_clock(step_by);
	if (namelen == 2 && name[0] == 1 && name[1] == 21 && oldlenp && !newp) { /* kern.boottime: struct timeval */
		int64_t tv[2] = { boot_sec, boot_usec };
		if (oldp) {
			if (*oldlenp < sizeof tv)
				return fail(NULL, F_ENOMEM, NULL);
			memcpy(oldp, tv, sizeof tv);
		}
		*oldlenp = sizeof tv;
		logf_("  -> 0 len=%zu\n", sizeof tv);
		return 0;
	}
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

/* ---- rctl(2) and kern.racct.enable (sys/kern/kern_rctl.c, kern_racct.c) ---- */

#define F_ENOSYS 78
#define F_ERANGE 34
#define MAXRULES 64

/* kern.racct.enable: 1 or 0; -1 is a kernel built without RACCT (no such OID). */
static int racct = 1;
static char rules[MAXRULES][256];
static int nrules;
static char racct_usage[512];

static void rctl_reset(void)
{
	racct = 1;
	nrules = 0;
	snprintf(racct_usage, sizeof racct_usage, "%s", "cputime=0,memoryuse=0,maxproc=0");
}

int sysctlbyname(const char *name, void *oldp, size_t *oldlenp, const void *newp, size_t newlen)
{
	logf_("sysctlbyname %s\n", name);
	if (strcmp(name, "kern.racct.enable") != 0 || racct < 0 || newp || newlen || !oldlenp)
		return fail(NULL, F_ENOENT, NULL);
	/* A SYSCTL_BOOL: sysctl_handle_bool copies out one byte. */
	if (oldp) {
		if (*oldlenp < 1)
			return fail(NULL, F_ENOMEM, NULL);
		*(unsigned char *)oldp = (unsigned char)racct;
	}
	*oldlenp = 1;
	logf_("  -> 0\n");
	return 0;
}

/* The rctl syscalls copy in a NUL-terminated string (rctl_read_inbuf: EINVAL otherwise). */
static const char *rctl_in(const void *inbufp, size_t inbuflen)
{
	const char *in = inbufp;
	if (!in || inbuflen == 0 || inbuflen > 4096 || in[inbuflen - 1] != '\0')
		return NULL;
	return in;
}

static const char *rctl_resources[] = { "cputime", "datasize", "stacksize", "coredumpsize", "memoryuse", "memorylocked",
	"maxproc", "openfiles", "vmemoryuse", "pseudoterminals", "swapuse", "nthr", "msgqqueued", "msgqsize", "nmsgq",
	"nsem", "nsemop", "nshm", "shmsize", "wallclock", "pcpu", "readbps", "writebps", "readiops", "writeiops", NULL };

static int known_resource(const char *res)
{
	for (const char **r = rctl_resources; *r; r++)
		if (strcmp(*r, res) == 0)
			return 1;
	return 0;
}

/* "jail:NAME:RESOURCE:deny=AMOUNT" (rctl_string_to_rule); the double knows the jail subject and deny. */
static int rule_ok(const char *rule)
{
	char subject[16], name[256], res[32], action[16];
	long long amount;
	char tail;
	if (sscanf(rule, "%15[^:]:%255[^:]:%31[^:]:%15[^=]=%lld%c", subject, name, res, action, &amount, &tail) != 5)
		return 0;
	return strcmp(subject, "jail") == 0 && known_resource(res) && strcmp(action, "deny") == 0 && amount >= 0;
}

int rctl_add_rule(const void *inbufp, size_t inbuflen, void *outbufp, size_t outbuflen)
{
	(void)outbufp;
	(void)outbuflen;
	const char *in = rctl_in(inbufp, inbuflen);
	logf_("rctl_add_rule \"%s\"\n", in ? in : "(bad)");
	struct fault *f = take_fault("rctl_add_rule");
	if (f)
		return fail(NULL, f->err, NULL);
	if (!racct) /* kern_rctl.c: every rctl syscall is ENOSYS while racct_enable is off */
		return fail(NULL, F_ENOSYS, NULL);
	if (!in || !rule_ok(in))
		return fail(NULL, F_EINVAL, NULL);
	/* rctl_rule_add: a deny rule replaces one differing only in amount. */
	const char *eq = strchr(in, '=');
	for (int i = 0; i < nrules; i++)
		if (strncmp(rules[i], in, (size_t)(eq - in)) == 0 && rules[i][eq - in] == '=') {
			snprintf(rules[i], sizeof rules[i], "%s", in);
			logf_("  -> 0\n");
			return 0;
		}
	if (nrules == MAXRULES)
		return fail(NULL, F_ENOMEM, NULL);
	snprintf(rules[nrules++], sizeof rules[0], "%s", in);
	logf_("  -> 0\n");
	return 0;
}

/* A filter matches a rule when each of its fields is empty or equal (rctl_rule_matches). */
static int rule_matches(const char *rule, const char *filter)
{
	for (;;) {
		size_t fl = strcspn(filter, ":="), rl = strcspn(rule, ":=");
		if (fl && (fl != rl || strncmp(rule, filter, fl) != 0))
			return 0;
		filter += fl;
		rule += rl;
		if (!*filter)
			return 1;
		if (!*rule)
			return 0;
		filter++;
		rule++;
	}
}

int rctl_remove_rule(const void *inbufp, size_t inbuflen, void *outbufp, size_t outbuflen)
{
	(void)outbufp;
	(void)outbuflen;
	const char *in = rctl_in(inbufp, inbuflen);
	logf_("rctl_remove_rule \"%s\"\n", in ? in : "(bad)");
	struct fault *f = take_fault("rctl_remove_rule");
	if (f)
		return fail(NULL, f->err, NULL);
	if (!racct)
		return fail(NULL, F_ENOSYS, NULL);
	if (!in)
		return fail(NULL, F_EINVAL, NULL);
	int found = 0;
	for (int i = 0; i < nrules;)
		if (rule_matches(rules[i], in)) {
			memmove(rules[i], rules[i + 1], (size_t)(nrules - i - 1) * sizeof rules[0]);
			nrules--;
			found++;
		} else
			i++;
	if (!found) /* rctl_rule_remove: nothing matched */
		return fail(NULL, F_ESRCH, NULL);
	logf_("  -> 0\n");
	return 0;
}

int rctl_get_rules(const void *inbufp, size_t inbuflen, void *outbufp, size_t outbuflen)
{
	const char *in = rctl_in(inbufp, inbuflen);
	logf_("rctl_get_rules \"%s\" outlen=%zu\n", in ? in : "(bad)", outbuflen);
	if (!racct)
		return fail(NULL, F_ENOSYS, NULL);
	if (!in)
		return fail(NULL, F_EINVAL, NULL);
	char out[MAXRULES * 257] = "";
	for (int i = 0; i < nrules; i++)
		if (rule_matches(rules[i], in)) {
			if (out[0])
				strcat(out, ",");
			strcat(out, rules[i]);
		}
	size_t need = strlen(out) + 1;
	if (!outbufp || outbuflen < need)
		return fail(NULL, F_ERANGE, NULL);
	memcpy(outbufp, out, need);
	logf_("  -> 0\n");
	return 0;
}

int rctl_get_racct(const void *inbufp, size_t inbuflen, void *outbufp, size_t outbuflen)
{
	const char *in = rctl_in(inbufp, inbuflen);
	logf_("rctl_get_racct \"%s\" outlen=%zu\n", in ? in : "(bad)", outbuflen);
	if (!racct)
		return fail(NULL, F_ENOSYS, NULL);
	if (!in || strncmp(in, "jail:", 5) != 0)
		return fail(NULL, F_EINVAL, NULL);
	size_t need = strlen(racct_usage) + 1;
	if (!outbufp || outbuflen < need) /* rctl_write_outbuf */
		return fail(NULL, F_ERANGE, NULL);
	memcpy(outbufp, racct_usage, need);
	logf_("  -> 0\n");
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
	caller[0] = 0;
	rctl_reset();
	boot_sec = 1600000000;
	boot_usec = 0;
	step_after = -1;
	next_fsid = 1;
	swap.armed = 0;
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

/* A process whose ki_start is sec.usec by the current boot-time estimate. */
void jailtest_add_proc(int pid, int jid, long long sec, long long usec, int stat)
{
	if (nprocs == MAXPROCS)
		return;
	int64_t s = sec - boot_sec, u = usec - boot_usec;
	if (u < 0) {
		s--;
		u += 1000000;
	}
	procs[nprocs++] = (struct proc){ .pid = pid, .jid = jid, .stat = stat, .sec = s, .usec = u };
}

/* Steps the clock by sec seconds: now (after == 0) or once `after` more sysctl calls have been served. */
void jailtest_step_clock(long long sec, int after)
{
	if (after <= 0) {
		step_clock(sec);
		return;
	}
	step_after = after;
	step_by = sec;
}

void jailtest_set_kinfo_size(int size)
{
	kinfo_size = size;
}

/* kern.racct.enable: 1, 0, or -1 for a kernel without RACCT. */
void jailtest_set_racct(int enable)
{
	racct = enable;
}

/* What rctl_get_racct reports ("cputime=..,memoryuse=..,..."). */
void jailtest_set_racct_usage(const char *usage)
{
	snprintf(racct_usage, sizeof racct_usage, "%s", usage);
}

/* The rctl rules in force, one a line. */
const char *jailtest_rctl(void)
{
	static char out[MAXRULES * 257];
	out[0] = 0;
	for (int i = 0; i < nrules; i++) {
		strcat(out, rules[i]);
		strcat(out, "\n");
	}
	return out;
}

/* Calls from now on come from inside the jail with this absolute name ("" or NULL: the host). */
void jailtest_set_caller(const char *name)
{
	snprintf(caller, sizeof caller, "%s", name ? name : "");
}
