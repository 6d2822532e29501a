/* libjailtest: the jail parameters kern_jail_set() and kern_jail_get() know, and a jail's stored values. */
#include "jailtest.h"

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
const struct pdef *jt_pdef_of(const char *name)
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
	const struct pdef *d = jt_pdef_of(yes);
	return d && d->type == P_BOOL ? d : NULL;
}

int jt_check_value(struct req *r, const char *name, const struct iovec *v)
{
	const struct pdef *d = jt_pdef_of(name);
	if (!d)
		return 0; /* refused after the lookup, as the kernel does */
	if (d->type == P_INT && (!v->iov_base || v->iov_len != sizeof(int)))
		return jt_fail(r, F_EINVAL, "%s: bad parameter size %zu", name, v->iov_len);
	if (d->type == P_STR) {
		const char *s = v->iov_base;
		if (!s || v->iov_len == 0 || s[v->iov_len - 1] != '\0')
			return jt_fail(r, F_EINVAL, "%s: string not null-terminated", name);
	}
	/* kern_jail_set: "ip4s & (sizeof(*ip4) - 1)" is EINVAL; a length of 0
	 * is accepted and means a jail with no IPv4 addresses (likewise IPv6). */
	if (d->type == P_IP4 && v->iov_len % 4)
		return jt_fail(r, F_EINVAL, "ip4.addr: bad size %zu", v->iov_len);
	if (d->type == P_IP6 && v->iov_len % 16)
		return jt_fail(r, F_EINVAL, "ip6.addr: bad size %zu", v->iov_len);
	if (!v->iov_base && v->iov_len == 0 && d->type != P_BOOL && d->type != P_IP4 && d->type != P_IP6)
		return jt_fail(r, F_EINVAL, "%s: not a boolean parameter", name);
	return 0;
}

int jt_get_int(const struct jail *j, const char *name, int dflt)
{
	for (int i = 0; i < j->nparams; i++)
		if (strcmp(j->params[i].name, name) == 0 && j->params[i].value && j->params[i].len == sizeof(int)) {
			int v;
			memcpy(&v, j->params[i].value, sizeof v);
			return v;
		}
	return dflt;
}

void jt_store(struct jail *j, const char *name, const struct iovec *v)
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
