/* Linux backend, process half: plan checks, hostname, sysctl,
 * oom_score_adj, /dev/console, session keyring, capabilities, no_new_privs,
 * and when the seccomp filter (seccomp.c) is loaded. Entering (cgroups,
 * namespaces, join-root) is linux_join.c; the filesystem half linux_mount.c. */
#include "channel.h"
#include "linux.h"
#include "platform.h"
#include "seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

void platform_check(const struct plan *p)
{
	int has_mnt = 0, pid = 0, user = 0, new_user = 0;
	if (p->has_jail)
		die("plan", 0, "jail: a FreeBSD record; this helper is built for Linux");
	for (size_t i = 0; i < p->nns; i++) {
		int flag = linux_ns_flag(p->ns[i].type);
		if (!flag)
			die("plan", 0, "namespace type \"%s\" is not supported (user pid net mount ipc uts cgroup)",
			    p->ns[i].type);
		has_mnt |= flag == CLONE_NEWNS;
		pid |= flag == CLONE_NEWPID;
		if (flag == CLONE_NEWUSER && user++)
			die("plan", 0, "more than one user namespace record");
		new_user |= flag == CLONE_NEWUSER && !p->ns[i].join;
	}
	/* What was unshared before the plan must be what the plan creates, with
	 * no user namespace (which must come first, owning the others): checked
	 * here, before stage 1 makes the fifo or connects the console socket. */
	int planned = 0;
	for (size_t i = 0; i < p->nns; i++)
		if (!p->ns[i].join)
			planned |= linux_ns_flag(p->ns[i].type);
	if (linux_early_flags && ((linux_early_flags & ~planned) || user))
		die("plan", 0, "the namespaces unshared before the plan (--unshare) are not the plan's new ones, or the plan has a user namespace");
	/* The maps belong to a new user namespace, which cannot do without them. */
	if (!new_user && (p->nuid_maps || p->ngid_maps))
		die("plan", 0, "\"%s\" needs \"ns-new user\"", p->nuid_maps ? "uid-map" : "gid-map");
	if (new_user && (!p->nuid_maps || !p->ngid_maps))
		die("plan", 0, "\"ns-new user\" needs \"uid-map\" and \"gid-map\" records");
	/* setns/unshare of a pid namespace only applies to children. */
	if (pid && !p->fork)
		die("plan", 0, "a pid namespace needs \"fork\"");
	const char *needs_root = p->nmounts ? "mount" : p->ndevices ? "device"
		: p->default_devices ? "default-devices" : p->no_pivot ? "no-pivot"
		: p->readonly_root ? "readonly-root" : p->nmasked ? "masked"
		: p->nreadonly ? "readonly" : p->has_propagation ? "propagation" : NULL;
	if (needs_root && !p->root)
		die("plan", 0, "\"%s\" needs a \"root\" record", needs_root);
	/* Without a mount namespace of its own, the mounts would be the host's. */
	if (p->root && !has_mnt)
		die("plan", 0, "\"root\" needs a mount namespace (ns-new mount or ns-join mount)");
	if (p->root && p->has_join_root)
		die("plan", 0, "\"join-root\" and \"root\" exclude each other");
	seccomp_filter_build(p);  /* every seccomp error before anything is done */
}

static void write_file(const char *stage, const char *path, const char *value, const char *what)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		die_errno(stage, "%s: open %s", what, path);
	size_t n = strlen(value);
	if (write(fd, value, n) != (ssize_t)n)
		die_errno(stage, "%s: write %s", what, path);
	close(fd);
}

void platform_finish_root(const struct plan *p)
{
	if (p->hostname && sethostname(p->hostname, strlen(p->hostname)) < 0)
		die_errno("hostname", "sethostname %s", p->hostname);
	if (p->domainname && setdomainname(p->domainname, strlen(p->domainname)) < 0)
		die_errno("hostname", "setdomainname %s", p->domainname);
	for (size_t i = 0; i < p->nsysctl; i++) {
		char path[PATH_MAX], what[PATH_MAX];
		int n = snprintf(path, sizeof path, "/proc/sys/%s", p->sysctl_keys[i]);
		for (char *c = path + 10; *c; c++)
			if (*c == '.')
				*c = '/';
		snprintf(what, sizeof what, "sysctl %.200s=%.200s", p->sysctl_keys[i], p->sysctl_values[i]);
		if (n >= (int)sizeof path)
			die("sysctl", ENAMETOOLONG, "%s", what);
		write_file("sysctl", path, p->sysctl_values[i], what);
	}
	if (!linux_has_userns(p))
		linux_write_oom(p);
}

void linux_write_oom(const struct plan *p)
{
	if (p->has_oom) {
		char v[16];
		snprintf(v, sizeof v, "%d", p->oom_score_adj);
		write_file("oom", "/proc/self/oom_score_adj", v, "oom_score_adj");
	}
}

/* As runc: the OCI spec wants the terminal at /dev/console. Exec leaves the
 * container's /dev/console alone. An existing /dev/console is not opened
 * (it may be a device node). */
void platform_console(const struct plan *p, const char *slave)
{
	if (!p->root)
		return;
	mode_t old = umask(0);
	int fd = open("/dev/console", O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	umask(old);
	if (fd < 0 && errno != EEXIST)
		die_errno("console", "create /dev/console");
	if (fd >= 0)
		close(fd);
	if (mount(slave, "/dev/console", NULL, MS_BIND, NULL) < 0)
		die_errno("console", "bind %s onto /dev/console", slave);
}

/* Highest capability the kernel knows (capability bits above it are dropped
 * from the requested sets, as runc ignores unknown capabilities). */
static int last_cap(void)
{
	int cap = 0;
	while (cap < 64 && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0)
		cap++;
	return cap - 1;
}

void platform_before_setuid(const struct plan *p)
{
	/* Like runc, a kernel or seccomp profile without keyctl is no error. */
	if (p->new_keyring && syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 && errno != ENOSYS)
		die_errno("keyring", "join a new session keyring");
	if (!p->has_caps)
		return;
	for (int cap = 0, last = last_cap(); cap <= last; cap++)
		if (!(p->caps[CAP_BOUNDING] & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			die_errno("caps", "drop capability %d from the bounding set", cap);
	/* Keep the permitted set across setuid; capset below then trims it. */
	if (p->has_user && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		die_errno("caps", "prctl PR_SET_KEEPCAPS");
}

void platform_before_exec(const struct plan *p)
{
	if (p->no_new_privs)
		seccomp_filter_load();
}

/* The capabilities the process holds now: a runtime cannot grant more than
 * it has (a host may withhold some, e.g. CAP_SYS_RESOURCE), so the
 * requested sets are trimmed to these, as they would be by the kernel. */
static void caps_now(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	if (syscall(SYS_capget, &hdr, data) < 0)
		die_errno("caps", "capget");
}

/* Without no_new_privs, loading a seccomp filter needs CAP_SYS_ADMIN in the
 * effective set, which the switch to a non-root uid has just cleared: raise
 * what is still permitted for the load. It happens after the executable was
 * looked up and the fifo checked, because old profiles deny syscalls such a
 * lookup makes (faccessat2, statx) with EPERM. */
static void seccomp_load_privileged(void)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct saved[2], raised[2];
	caps_now(saved);
	memcpy(raised, saved, sizeof raised);
	for (int i = 0; i < 2; i++)
		raised[i].effective = raised[i].permitted;
	if (syscall(SYS_capset, &hdr, raised) < 0)
		die_errno("caps", "raise the permitted capabilities to load the seccomp filter");
	seccomp_filter_load();
	if (syscall(SYS_capset, &hdr, saved) < 0)
		die_errno("caps", "restore the capabilities after loading the seccomp filter");
}

/* After the executable is looked up (and the fifo checked): the seccomp
 * filter (without no_new_privs), the final capability sets, no_new_privs. */
void platform_after_setuid(const struct plan *p)
{
	if (!p->no_new_privs && p->has_seccomp)
		seccomp_load_privileged();
	if (p->has_caps) {
		int last = last_cap();
		struct __user_cap_data_struct have[2];
		caps_now(have);
		uint64_t held = ((uint64_t)have[1].permitted << 32) | have[0].permitted;
		uint64_t valid = (last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1) & held;
		uint64_t eff = p->caps[CAP_EFFECTIVE] & valid, perm = p->caps[CAP_PERMITTED] & valid,
		         inh = p->caps[CAP_INHERITABLE] & valid, amb = p->caps[CAP_AMBIENT] & valid & perm & inh;
		struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
		struct __user_cap_data_struct data[2];
		for (int i = 0; i < 2; i++) {
			data[i].effective = (uint32_t)(eff >> (32 * i));
			data[i].permitted = (uint32_t)(perm >> (32 * i));
			data[i].inheritable = (uint32_t)(inh >> (32 * i));
		}
		if (syscall(SYS_capset, &hdr, data) < 0)
			die_errno("caps", "capset (effective 0x%llx, permitted 0x%llx, inheritable 0x%llx)",
			          (unsigned long long)eff, (unsigned long long)perm, (unsigned long long)inh);
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && amb)
			die_errno("caps", "clear the ambient set");
		for (int cap = 0; cap <= last; cap++)
			if ((amb & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
				die_errno("caps", "raise ambient capability %d", cap);
		if (p->has_user && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
			die_errno("caps", "prctl PR_SET_KEEPCAPS 0");
	}
	/* Without caps records a change to a non-zero uid drops the capabilities
	 * (the kernel's rule for root). In a user namespace where 0 is not
	 * mapped the helper was never its root, so the kernel keeps them: drop
	 * them here, as they would be. */
	if (!p->has_caps && linux_in_userns && p->has_user && p->uid != 0) {
		struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
		struct __user_cap_data_struct data[2];
		caps_now(data);
		for (int i = 0; i < 2; i++)
			data[i].effective = data[i].permitted = 0;
		if (syscall(SYS_capset, &hdr, data) < 0)
			die_errno("caps", "drop the capabilities of uid %u", (unsigned)p->uid);
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
			die_errno("caps", "clear the ambient set");
	}
	if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die_errno("no-new-privs", "prctl PR_SET_NO_NEW_PRIVS");
}
