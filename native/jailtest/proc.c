/* libjailtest: kill(2) and sysctl(3) kern.proc and kern.boottime over the test's processes. */
#include "jailtest.h"

struct proc jt_procs[MAXPROCS];
int jt_nprocs;
static int kinfo_size = KINFO_PROC_SIZE;

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

int kill(int pid, int sig)
{
	jt_logf("kill pid=%d sig=%d\n", pid, sig);
	struct fault *f = jt_take_fault("kill");
	if (f)
		return jt_fail(NULL, f->err, NULL);
	for (int i = 0; i < jt_nprocs; i++) {
		if (jt_procs[i].pid != pid)
			continue;
		if (sig == 9)
			jt_procs[i] = jt_procs[--jt_nprocs];
		jt_logf("  -> 0\n");
		return 0;
	}
	return jt_fail(NULL, F_ESRCH, NULL);
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
	jt_logf("sysctl");
	for (unsigned i = 0; i < namelen; i++)
		jt_logf("%s%d", i ? "." : " ", name[i]);
	jt_logf(" oldp=%s oldlen=%zu\n", oldp ? "buf" : "NULL", oldlenp ? *oldlenp : 0);
	struct fault *f = jt_take_fault("sysctl");
	if (f)
		return jt_fail(NULL, f->err, NULL);
	if (step_after >= 0 && step_after-- == 0)
		step_clock(step_by);
	if (namelen == 2 && name[0] == 1 && name[1] == 21 && oldlenp && !newp) { /* kern.boottime: struct timeval */
		int64_t tv[2] = { boot_sec, boot_usec };
		if (oldp) {
			if (*oldlenp < sizeof tv)
				return jt_fail(NULL, F_ENOMEM, NULL);
			memcpy(oldp, tv, sizeof tv);
		}
		*oldlenp = sizeof tv;
		jt_logf("  -> 0 len=%zu\n", sizeof tv);
		return 0;
	}
	if (newp || newlen || namelen < 3 || name[0] != 1 || name[1] != 14 || !oldlenp)
		return jt_fail(NULL, F_ENOENT, NULL);
	const struct proc *sel[MAXPROCS];
	int n = 0;
	if (namelen == 4 && name[2] == 1) {
		for (int i = 0; i < jt_nprocs; i++)
			if (jt_procs[i].pid == name[3])
				sel[n++] = &jt_procs[i];
		if (!n)
			return jt_fail(NULL, F_ESRCH, NULL);
	} else if (namelen == 3 && name[2] == 8) {
		for (int i = 0; i < jt_nprocs; i++)
			sel[n++] = &jt_procs[i];
	} else
		return jt_fail(NULL, F_ENOENT, NULL);
	size_t need = (size_t)n * KINFO_PROC_SIZE;
	if (!oldp) {
		*oldlenp = need;
		jt_logf("  -> 0 len=%zu\n", need);
		return 0;
	}
	if (*oldlenp < need)
		return jt_fail(NULL, F_ENOMEM, NULL);
	for (int i = 0; i < n; i++)
		put_kinfo((unsigned char *)oldp + (size_t)i * KINFO_PROC_SIZE, sel[i]);
	*oldlenp = need;
	jt_logf("  -> 0 len=%zu\n", need);
	return 0;
}

/* A process whose ki_start is sec.usec by the current boot-time estimate. */
void jailtest_add_proc(int pid, int jid, long long sec, long long usec, int stat)
{
	if (jt_nprocs == MAXPROCS)
		return;
	int64_t s = sec - boot_sec, u = usec - boot_usec;
	if (u < 0) {
		s--;
		u += 1000000;
	}
	jt_procs[jt_nprocs++] = (struct proc){ .pid = pid, .jid = jid, .stat = stat, .sec = s, .usec = u };
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

void jt_proc_reset(void)
{
	boot_sec = 1600000000;
	boot_usec = 0;
	step_after = -1;
	jt_nprocs = 0;
	kinfo_size = KINFO_PROC_SIZE;
}
