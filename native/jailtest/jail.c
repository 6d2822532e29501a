/* libjailtest: jail_set(2), jail_get(2), jail_remove(2) and the calling prison. */
#include "jailtest.h"

struct jail jt_jails[MAXJAILS];
static int next_jid = 1;

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

static struct jail *by_name(const char *name)
{
	for (int i = 0; i < MAXJAILS; i++)
		if (jt_jails[i].used && strcmp(jt_jails[i].name, name) == 0)
			return &jt_jails[i];
	return NULL;
}

static struct jail *by_jid(int jid)
{
	for (int i = 0; i < MAXJAILS; i++)
		if (jt_jails[i].used && jt_jails[i].jid == jid)
			return &jt_jails[i];
	return NULL;
}

/* pr_childcount: kern_jail_set() adds one to every ancestor of a new jail,
 * so it counts all descendants, not only children. name "" is the host. */
static int descendants(const char *name)
{
	size_t n = strlen(name);
	int count = 0;
	for (int i = 0; i < MAXJAILS; i++)
		if (jt_jails[i].used && (!n || (strncmp(jt_jails[i].name, name, n) == 0 && jt_jails[i].name[n] == '.')))
			count++;
	return count;
}

/* pr_childmax of the prison with this absolute name ("" is prison0). */
static int childmax(const char *name)
{
	if (!name[0])
		return JAIL_MAX;
	struct jail *j = by_name(name);
	return j ? jt_get_int(j, "children.max", 0) : 0;
}

static void parent_of(const char *name, char *out, size_t len)
{
	const char *dot = strrchr(name, '.');
	snprintf(out, len, "%.*s", dot ? (int)(dot - name) : 0, name);
}

int jail_set(struct iovec *iov, unsigned int niov, int flags)
{
	struct req r;
	jt_log_iov("jail_set", iov, niov, flags);
	if (jt_parse_req(&r, iov, niov) < 0)
		return -1;
	struct fault *f = jt_take_fault("jail_set");
	if (f)
		return jt_fail(&r, f->err, "%s", f->msg);
	/* kern_jail_set: a jailed caller whose own children.max is 0 cannot create. */
	if ((flags & JAIL_CREATE) && childmax(caller) == 0)
		return jt_fail(&r, F_EPERM, NULL);
	if (!(flags & (JAIL_CREATE | JAIL_UPDATE)) || (flags & ~0xf))
		return jt_fail(&r, F_EINVAL, NULL);
	for (unsigned i = 0; i < niov; i += 2) {
		const char *n = iov[i].iov_base;
		if (strcmp(n, "errmsg") != 0 && jt_check_value(&r, n, &iov[i + 1]) < 0)
			return -1;
	}
	/* kern_jail_set: a jail created without JAIL_ATTACH would die at once. */
	if ((flags & (JAIL_CREATE | JAIL_ATTACH)) == JAIL_CREATE && !jt_find(&r, "persist"))
		return jt_fail(&r, F_EINVAL, "new jail must persist or attach");
	const struct iovec *name = jt_find(&r, "name");
	const struct iovec *jidv = jt_find(&r, "jid");
	int jid = 0;
	if (jidv)
		memcpy(&jid, jidv->iov_base, sizeof jid);
	char absname[256] = "";
	if (name)
		absolute(name->iov_base, absname, sizeof absname);
	struct jail *j = jid ? by_jid(jid) : name ? by_name(absname) : NULL;
	/* Creators get EEXIST even for a jail they cannot see; updaters get ENOENT. */
	if (j && !(flags & JAIL_UPDATE))
		return jid ? jt_fail(&r, F_EEXIST, "jail %d already exists", jid)
			   : jt_fail(&r, F_EEXIST, "jail \"%s\" already exists", (const char *)name->iov_base);
	if (j && !visible(j))
		j = NULL;
	if (!j && !(flags & JAIL_CREATE))
		return jid ? jt_fail(&r, F_ENOENT, "jail %d not found", jid)
			   : jt_fail(&r, F_ENOENT, "jail \"%s\" not found", name ? (const char *)name->iov_base : "");
	char parent[256];
	parent_of(j ? j->name : absname, parent, sizeof parent);
	if (!j) {
		if (parent[0] && (strcmp(parent, caller) != 0) && (!by_name(parent) || !visible(by_name(parent)))) {
			const char *rel = caller[0] ? parent + strlen(caller) + 1 : parent;
			return jt_fail(&r, F_ENOENT, "jail \"%s\" not found", rel);
		}
		/* The limit is checked along the caller's prison chain (mypr and
		 * its ancestors), not the new jail's parent's. */
		char t[256];
		snprintf(t, sizeof t, "%s", caller);
		for (;;) {
			if (descendants(t) >= childmax(t))
				return jt_fail(&r, F_EPERM, "prison limit exceeded");
			if (!t[0])
				break;
			char *dot = strrchr(t, '.');
			*(dot ? dot : t) = 0;
		}
	}
	const struct iovec *cm = jt_find(&r, "children.max");
	if (cm) {
		int want;
		memcpy(&want, cm->iov_base, sizeof want);
		/* "if (childmax >= ppr->pr_childmax) error = EPERM", without an errmsg. */
		if (want >= childmax(parent))
			return jt_fail(&r, F_EPERM, NULL);
	}
	for (unsigned i = 0; i < niov; i += 2) {
		const char *n = iov[i].iov_base;
		if (strcmp(n, "errmsg") != 0 && !jt_pdef_of(n))
			return jt_fail(&r, F_EINVAL, "unknown parameter: %s", n);
	}
	if (!j) {
		for (int i = 0; i < MAXJAILS && !j; i++)
			if (!jt_jails[i].used)
				j = &jt_jails[i];
		if (!j)
			return jt_fail(&r, F_EAGAIN, "no free jail slots");
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
			jt_store(j, n, &iov[i + 1]);
	}
	jt_logf("  -> %d\n", j->jid);
	return j->jid;
}

int jail_get(struct iovec *iov, unsigned int niov, int flags)
{
	struct req r;
	jt_log_iov("jail_get", iov, niov, flags);
	if (jt_parse_req(&r, iov, niov) < 0)
		return -1;
	struct fault *f = jt_take_fault("jail_get");
	if (f)
		return jt_fail(&r, f->err, "%s", f->msg);
	const struct iovec *name = jt_find(&r, "name");
	const struct iovec *jidv = jt_find(&r, "jid");
	const struct iovec *last = jt_find(&r, "lastjid");
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
			if (jt_jails[i].used && visible(&jt_jails[i]) && jt_jails[i].jid > after && (!j || jt_jails[i].jid < j->jid))
				j = &jt_jails[i];
		if (!j)
			return jt_fail(&r, F_ENOENT, "no jail after %d", after);
	} else
		return jt_fail(&r, F_ENOENT, "no jail specified");
	if (j && !visible(j))
		j = NULL;
	if (!j)
		return jid ? jt_fail(&r, F_ENOENT, "jail %d not found", jid)
			   : jt_fail(&r, F_ENOENT, "jail \"%s\" not found", (const char *)name->iov_base);
	/* kern_jail_get: every requested name must have been noted by the end. */
	for (unsigned i = 0; i < niov; i += 2) {
		const char *n = iov[i].iov_base;
		if (strcmp(n, "errmsg") != 0 && strcmp(n, "lastjid") != 0 && !jt_pdef_of(n))
			return jt_fail(&r, F_EINVAL, "unknown parameter: %s", n);
	}
	for (unsigned i = 0; i < niov; i += 2) {
		const char *n = iov[i].iov_base;
		struct iovec *v = &iov[i + 1];
		if (strcmp(n, "errmsg") == 0 || strcmp(n, "lastjid") == 0)
			continue;
		if (strcmp(n, "jid") == 0 || strcmp(n, "children.cur") == 0 || strcmp(n, "children.max") == 0) {
			int val = strcmp(n, "jid") == 0 ? j->jid : strcmp(n, "children.cur") == 0 ? descendants(j->name) : jt_get_int(j, "children.max", 0);
			if (!v->iov_base || v->iov_len != sizeof(int))
				return jt_fail(&r, F_EINVAL, "%s: bad parameter size", n);
			memcpy(v->iov_base, &val, sizeof val);
			continue;
		}
		if (strcmp(n, "name") == 0) {
			const char *rel = relative(j);
			if (!v->iov_base || v->iov_len <= strlen(rel))
				return jt_fail(&r, F_EINVAL, "name: buffer too small");
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
				return jt_fail(&r, F_EINVAL, "%s: buffer too small", n);
			memcpy(v->iov_base, p->value, p->len);
		}
	}
	jt_logf("  -> %d\n", j->jid);
	return j->jid;
}

int jail_remove(int jid)
{
	jt_logf("jail_remove jid=%d\n", jid);
	struct fault *f = jt_take_fault("jail_remove");
	if (f)
		return jt_fail(NULL, f->err, NULL);
	struct jail *j = by_jid(jid);
	if (!j)
		return jt_fail(NULL, F_EINVAL, NULL);
	size_t n = strlen(j->name);
	char prefix[260];
	snprintf(prefix, sizeof prefix, "%.255s.", j->name);
	for (int i = 0; i < MAXJAILS; i++) {
		if (!jt_jails[i].used || (&jt_jails[i] != j && strncmp(jt_jails[i].name, prefix, n + 1) != 0))
			continue;
		for (int p = 0; p < jt_nprocs;)
			if (jt_procs[p].jid == jt_jails[i].jid)
				jt_procs[p] = jt_procs[--jt_nprocs];
			else
				p++;
		for (int k = 0; k < jt_jails[i].nparams; k++)
			free(jt_jails[i].params[k].value);
		jt_jails[i].nparams = 0;
		jt_jails[i].used = 0;
	}
	jt_logf("  -> 0\n");
	return 0;
}

/* Calls from now on come from inside the jail with this absolute name ("" or NULL: the host). */
void jailtest_set_caller(const char *name)
{
	snprintf(caller, sizeof caller, "%s", name ? name : "");
}

void jt_jail_reset(void)
{
	for (int i = 0; i < MAXJAILS; i++) {
		for (int k = 0; k < jt_jails[i].nparams; k++)
			free(jt_jails[i].params[k].value);
		jt_jails[i].used = 0;
		jt_jails[i].nparams = 0;
	}
	next_jid = 1;
	caller[0] = 0;
}
