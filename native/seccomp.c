/* The seccomp filter, built with libseccomp as runc builds it: actions and
 * operators as in the OCI spec, unknown syscall names skipped, rules with
 * the container's default action skipped, no_new_privs left to the plan.
 * Built without libseccomp (no -DRUNJ_SECCOMP), seccomp records are refused. */
#include "seccomp.h"
#include "channel.h"

#ifndef RUNJ_SECCOMP

void seccomp_filter_build(const struct plan *p)
{
	if (p->has_seccomp)
		die("plan", 0, "seccomp: runj-helper was built without libseccomp");
}

void seccomp_filter_load(void) {}

#else

#include <ctype.h>
#include <errno.h>
#include <seccomp.h>
#include <string.h>

static scmp_filter_ctx ctx;

static uint32_t action(int act, unsigned err)
{
	switch (act) {
	case SC_ACT_KILL:  /* the spec's KILL is libseccomp's (and runc's) KILL_THREAD */
	case SC_ACT_KILL_THREAD: return SCMP_ACT_KILL_THREAD;
	case SC_ACT_KILL_PROCESS: return SCMP_ACT_KILL_PROCESS;
	case SC_ACT_TRAP: return SCMP_ACT_TRAP;
	case SC_ACT_ERRNO: return SCMP_ACT_ERRNO(err);
	case SC_ACT_TRACE: return SCMP_ACT_TRACE(err);
	case SC_ACT_LOG: return SCMP_ACT_LOG;
	default: return SCMP_ACT_ALLOW;
	}
}

static const enum scmp_compare ops[SC_CMP_COUNT] = {
	[SC_CMP_NE] = SCMP_CMP_NE, [SC_CMP_LT] = SCMP_CMP_LT, [SC_CMP_LE] = SCMP_CMP_LE,
	[SC_CMP_EQ] = SCMP_CMP_EQ, [SC_CMP_GE] = SCMP_CMP_GE, [SC_CMP_GT] = SCMP_CMP_GT,
	[SC_CMP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
};

/* SCMP_ARCH_X86_64 -> libseccomp's name "x86_64" (its names are the
 * lower-case suffixes of the SCMP_ARCH_ constants). */
static void add_arch(const char *name)
{
	char low[64];
	size_t n = strlen(name);
	if (strncmp(name, "SCMP_ARCH_", 10) != 0 || n - 10 >= sizeof low)
		die("plan", 0, "seccomp-arch \"%s\": not an SCMP_ARCH_ name", name);
	for (size_t i = 10; i <= n; i++)
		low[i - 10] = (char)tolower((unsigned char)name[i]);
	uint32_t arch = seccomp_arch_resolve_name(low);
	if (!arch)
		die("plan", 0, "seccomp-arch %s: unknown to libseccomp %u.%u.%u", name,
		    seccomp_version()->major, seccomp_version()->minor, seccomp_version()->micro);
	int rc = seccomp_arch_add(ctx, arch);
	if (rc < 0 && rc != -EEXIST)  /* the native arch is there already */
		die("seccomp", -rc, "add architecture %s", name);
}

static void set_flag(const char *name)
{
	static const struct { const char *name; enum scmp_filter_attr attr; } flags[] = {
		/* Only the process that loads the filter has threads: harmless. */
		{"SECCOMP_FILTER_FLAG_TSYNC", SCMP_FLTATR_CTL_TSYNC},
		{"SECCOMP_FILTER_FLAG_LOG", SCMP_FLTATR_CTL_LOG},
		{"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SCMP_FLTATR_CTL_SSB},
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)
		{"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SCMP_FLTATR_CTL_WAITKILL},
#endif
	};
	for (size_t i = 0; i < sizeof flags / sizeof *flags; i++) {
		if (strcmp(flags[i].name, name) != 0)
			continue;
		int rc = seccomp_attr_set(ctx, flags[i].attr, 1);
		if (rc < 0)
			die("seccomp", -rc, "seccomp flag %s", name);
		return;
	}
	die("plan", 0, "seccomp flag %s is not supported", name);
}

static void add_rule(const struct seccomp_rule_rec *r, uint32_t def)
{
	uint32_t act = action(r->action, r->err);
	if (act == def)
		return;  /* redundant, and libseccomp refuses it */
	int nr = seccomp_syscall_resolve_name(r->name);
	if (nr == __NR_SCMP_ERROR)
		return;  /* not a syscall of this architecture or libseccomp: skipped, as runc */
	struct scmp_arg_cmp cmp[r->nargs + 1];
	unsigned count[6] = {0};
	int repeated = 0;
	for (size_t i = 0; i < r->nargs; i++) {
		const struct seccomp_arg_rec *a = &r->args[i];
		cmp[i] = (struct scmp_arg_cmp){a->index, ops[a->op], a->value, a->value_two};
		repeated |= ++count[a->index] > 1;
	}
	/* libseccomp takes one comparison per argument in a rule. With more, as
	 * runc does, each comparison becomes a rule of its own (so they OR). */
	int rc = 0;
	if (!repeated)
		rc = seccomp_rule_add_array(ctx, act, nr, (unsigned)r->nargs, cmp);
	for (size_t i = 0; repeated && i < r->nargs && rc >= 0; i++)
		rc = seccomp_rule_add_array(ctx, act, nr, 1, &cmp[i]);
	if (rc < 0)
		die("seccomp", -rc, "add the seccomp rule for %s (%s, %zu args)", r->name,
		    seccomp_action_names[r->action], r->nargs);
}

void seccomp_filter_build(const struct plan *p)
{
	if (!p->has_seccomp)
		return;
	uint32_t def = action(p->seccomp_default, p->seccomp_default_errno);
	ctx = seccomp_init(def);
	if (!ctx)
		die("seccomp", 0, "seccomp_init (default action %s)", seccomp_action_names[p->seccomp_default]);
	/* no_new_privs is the plan's business ("no-new-privs"), not libseccomp's. */
	int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (rc < 0)
		die("seccomp", -rc, "clear the seccomp no_new_privs attribute");
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 5)
	/* The kernel's errno from seccomp_load, not libseccomp's ECANCELED. */
	seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
#endif
	for (size_t i = 0; i < p->nseccomp_archs; i++)
		add_arch(p->seccomp_archs[i]);
	for (size_t i = 0; i < p->nseccomp_flags; i++)
		set_flag(p->seccomp_flags[i]);
	/* A binary tree for long profiles, as runc (libseccomp <= 2.5.4 misbehaves
	 * with it and no rules); an older libseccomp without it is no error. */
	if (p->nseccomp_rules > 32)
		seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	for (size_t i = 0; i < p->nseccomp_rules; i++)
		add_rule(&p->seccomp_rules[i], def);
}

void seccomp_filter_load(void)
{
	if (!ctx)
		return;
	int rc = seccomp_load(ctx);
	if (rc < 0)
		die("seccomp", -rc, "load the seccomp filter");
	seccomp_release(ctx);
	ctx = NULL;
}

#endif
