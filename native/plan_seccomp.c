/* The seccomp records of the plan (README.md, "Seccomp"): names are checked
 * here, against the OCI spec's; seccomp.c maps them to libseccomp. */
#include "plan.h"
#include "record.h"

#include <string.h>

const char *const seccomp_action_names[SC_ACT_COUNT] = {
	[SC_ACT_KILL] = "SCMP_ACT_KILL", [SC_ACT_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
	[SC_ACT_KILL_THREAD] = "SCMP_ACT_KILL_THREAD", [SC_ACT_TRAP] = "SCMP_ACT_TRAP",
	[SC_ACT_ERRNO] = "SCMP_ACT_ERRNO", [SC_ACT_TRACE] = "SCMP_ACT_TRACE",
	[SC_ACT_ALLOW] = "SCMP_ACT_ALLOW", [SC_ACT_LOG] = "SCMP_ACT_LOG",
};

const char *const seccomp_op_names[SC_CMP_COUNT] = {
	[SC_CMP_NE] = "SCMP_CMP_NE", [SC_CMP_LT] = "SCMP_CMP_LT", [SC_CMP_LE] = "SCMP_CMP_LE",
	[SC_CMP_EQ] = "SCMP_CMP_EQ", [SC_CMP_GE] = "SCMP_CMP_GE", [SC_CMP_GT] = "SCMP_CMP_GT",
	[SC_CMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

int seccomp_action_parse(const char *name)
{
	for (int a = 0; a < SC_ACT_COUNT; a++)
		if (strcmp(seccomp_action_names[a], name) == 0)
			return a;
	if (strcmp(name, "SCMP_ACT_NOTIFY") == 0)
		record_bad("seccomp action SCMP_ACT_NOTIFY is not supported");
	record_bad("unknown seccomp action \"%s\"", name);
}

/* seccomp-rule <action> <errno> <name> <nargs> [<index> <op> <value> <valueTwo>]... */
void seccomp_rule_parse(struct plan *p, char **f, size_t nf)
{
	struct seccomp_rule_rec *r = push(&p->seccomp_rules, &p->nseccomp_rules, sizeof *r);
	r->action = seccomp_action_parse(f[1]);
	r->err = (unsigned)record_num(f[2], 65535);
	r->name = xstrdup(f[3]);
	size_t nargs = (size_t)record_num(f[4], nf);
	if (5 + 4 * nargs != nf)
		record_bad("%zu args do not match the %zu fields", nargs, nf - 1);
	for (size_t i = 0; i < nargs; i++) {
		char **a = f + 5 + 4 * i;
		struct seccomp_arg_rec *c = push(&r->args, &r->nargs, sizeof *c);
		c->index = (unsigned)record_num(a[0], 5);
		c->op = 0;
		while (c->op < SC_CMP_COUNT && strcmp(seccomp_op_names[c->op], a[1]) != 0)
			c->op++;
		if (c->op == SC_CMP_COUNT)
			record_bad("unknown seccomp operator \"%s\"", a[1]);
		c->value = record_num(a[2], UINT64_MAX);
		c->value_two = record_num(a[3], UINT64_MAX);
	}
}
