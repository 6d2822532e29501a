/* ---- rctl(2) and kern.racct.enable (sys/kern/kern_rctl.c, kern_racct.c) ---- */

#include "jailtest.h"

#define MAXRULES 64

/* kern.racct.enable: 1 or 0; -1 is a kernel built without RACCT (no such OID). */
static int racct = 1;
static char rules[MAXRULES][256];
static int nrules;
static char racct_usage[512];

void jt_rctl_reset(void)
{
	racct = 1;
	nrules = 0;
	snprintf(racct_usage, sizeof racct_usage, "%s", "cputime=0,memoryuse=0,maxproc=0");
}

int sysctlbyname(const char *name, void *oldp, size_t *oldlenp, const void *newp, size_t newlen)
{
	jt_logf("sysctlbyname %s\n", name);
	if (strcmp(name, "kern.racct.enable") != 0 || racct < 0 || newp || newlen || !oldlenp)
		return jt_fail(NULL, F_ENOENT, NULL);
	/* A SYSCTL_BOOL: sysctl_handle_bool copies out one byte. */
	if (oldp) {
		if (*oldlenp < 1)
			return jt_fail(NULL, F_ENOMEM, NULL);
		*(unsigned char *)oldp = (unsigned char)racct;
	}
	*oldlenp = 1;
	jt_logf("  -> 0\n");
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
	jt_logf("rctl_add_rule \"%s\"\n", in ? in : "(bad)");
	struct fault *f = jt_take_fault("rctl_add_rule");
	if (f)
		return jt_fail(NULL, f->err, NULL);
	if (!racct) /* kern_rctl.c: every rctl syscall is ENOSYS while racct_enable is off */
		return jt_fail(NULL, F_ENOSYS, NULL);
	if (!in || !rule_ok(in))
		return jt_fail(NULL, F_EINVAL, NULL);
	/* rctl_rule_add: a deny rule replaces one differing only in amount. */
	const char *eq = strchr(in, '=');
	for (int i = 0; i < nrules; i++)
		if (strncmp(rules[i], in, (size_t)(eq - in)) == 0 && rules[i][eq - in] == '=') {
			snprintf(rules[i], sizeof rules[i], "%s", in);
			jt_logf("  -> 0\n");
			return 0;
		}
	if (nrules == MAXRULES)
		return jt_fail(NULL, F_ENOMEM, NULL);
	snprintf(rules[nrules++], sizeof rules[0], "%s", in);
	jt_logf("  -> 0\n");
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
	jt_logf("rctl_remove_rule \"%s\"\n", in ? in : "(bad)");
	struct fault *f = jt_take_fault("rctl_remove_rule");
	if (f)
		return jt_fail(NULL, f->err, NULL);
	if (!racct)
		return jt_fail(NULL, F_ENOSYS, NULL);
	if (!in)
		return jt_fail(NULL, F_EINVAL, NULL);
	int found = 0;
	for (int i = 0; i < nrules;)
		if (rule_matches(rules[i], in)) {
			memmove(rules[i], rules[i + 1], (size_t)(nrules - i - 1) * sizeof rules[0]);
			nrules--;
			found++;
		} else
			i++;
	if (!found) /* rctl_rule_remove: nothing matched */
		return jt_fail(NULL, F_ESRCH, NULL);
	jt_logf("  -> 0\n");
	return 0;
}

int rctl_get_rules(const void *inbufp, size_t inbuflen, void *outbufp, size_t outbuflen)
{
	const char *in = rctl_in(inbufp, inbuflen);
	jt_logf("rctl_get_rules \"%s\" outlen=%zu\n", in ? in : "(bad)", outbuflen);
	if (!racct)
		return jt_fail(NULL, F_ENOSYS, NULL);
	if (!in)
		return jt_fail(NULL, F_EINVAL, NULL);
	char out[MAXRULES * 257] = "";
	for (int i = 0; i < nrules; i++)
		if (rule_matches(rules[i], in)) {
			if (out[0])
				strcat(out, ",");
			strcat(out, rules[i]);
		}
	size_t need = strlen(out) + 1;
	if (!outbufp || outbuflen < need)
		return jt_fail(NULL, F_ERANGE, NULL);
	memcpy(outbufp, out, need);
	jt_logf("  -> 0\n");
	return 0;
}

int rctl_get_racct(const void *inbufp, size_t inbuflen, void *outbufp, size_t outbuflen)
{
	const char *in = rctl_in(inbufp, inbuflen);
	jt_logf("rctl_get_racct \"%s\" outlen=%zu\n", in ? in : "(bad)", outbuflen);
	if (!racct)
		return jt_fail(NULL, F_ENOSYS, NULL);
	if (!in || strncmp(in, "jail:", 5) != 0)
		return jt_fail(NULL, F_EINVAL, NULL);
	size_t need = strlen(racct_usage) + 1;
	if (!outbufp || outbuflen < need) /* rctl_write_outbuf */
		return jt_fail(NULL, F_ERANGE, NULL);
	memcpy(outbufp, racct_usage, need);
	jt_logf("  -> 0\n");
	return 0;
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
