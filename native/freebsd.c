/* FreeBSD backend: the container is a jail that Node created with
 * jail_set(2); the helper only attaches to it (which also chroots into the
 * jail's path). Hostname, mounts and the like are jail parameters, so the
 * Linux records are refused. exec (jexec's job) and terminals work as on
 * Linux (helper.c, tty.c). Built only on FreeBSD. */
#include "channel.h"
#include "platform.h"
#include "selfexec.h"

#include <sys/param.h>
#include <sys/jail.h>
#include <sys/procctl.h>
#include <sys/wait.h>
#include <errno.h>
#include <unistd.h>

/* First thing in main (selfexec.h). Tracing disabled: a jailed process
 * cannot ptrace(2) the helper, nor read its memory or its fds through
 * procfs, before the helper execve's the user process (execve resets it).
 * No memfd copy of the helper as on Linux: FreeBSD's procfs `file` and
 * linprocfs' `exe` are symlinks resolved by name, inside the jail's root
 * for a jailed reader, not magic links to the vnode, so they cannot lead
 * to the host's runj-helper. And the helper holds no directory fd once it
 * is in the jail (helper.c, make_fifo: only an O_PATH fd on exec.fifo,
 * reopened with O_EMPTY_PATH). */
const char *self_protect(char **argv, char **envp)
{
	(void)argv;
	(void)envp;
	int disable = PROC_TRACE_CTL_DISABLE;
	if (procctl(P_PID, getpid(), PROC_TRACE_CTL, &disable) < 0)
		return "procctl PROC_TRACE_CTL";
	return NULL;
}

void platform_early(const char *types)
{
	die("plan", 0, "--unshare %s: FreeBSD has no namespaces", types);
}

void platform_check(const struct plan *p)
{
	const char *linux_only = plan_linux_only(p);
	if (linux_only)
		die("plan", 0, "%s: a Linux record; this helper is built for FreeBSD", linux_only);
	if (!p->has_jail)
		die("plan", 0, "no \"jail\" record");
}

/* cgroup-procs and join-root are Linux records, refused above. */
void platform_prepare(const struct plan *p) { (void)p; }

void platform_enter(const struct plan *p)
{
	if (jail_attach(p->jid) < 0)
		die_errno("jail", "jail_attach %d", p->jid);
}

/* jail_attach already put the process in the jail's root. */
void platform_place(pid_t child) { (void)child; }
void platform_placed(void) {}
void platform_prepare_root(const struct plan *p) { (void)p; }
void platform_switch_root(const struct plan *p) { (void)p; }
void platform_join_root(const struct plan *p) { (void)p; }
/* The jail's devfs ruleset decides what /dev shows; no /dev/console bind. */
void platform_console(const struct plan *p, const char *slave) { (void)p; (void)slave; }
void platform_finish_root(const struct plan *p) { (void)p; }
void platform_restrict_root(const struct plan *p) { (void)p; }

/* new-keyring: FreeBSD has no keyrings; nothing to do. */
void platform_before_setuid(const struct plan *p) { (void)p; }

void platform_after_setuid(const struct plan *p)
{
	if (!p->no_new_privs)
		return;
#ifdef PROC_NO_NEW_PRIVS_CTL /* FreeBSD 14 and later */
	int enable = PROC_NO_NEW_PRIVS_ENABLE;
	if (procctl(P_PID, getpid(), PROC_NO_NEW_PRIVS_CTL, &enable) < 0)
		die_errno("no-new-privs", "procctl PROC_NO_NEW_PRIVS_CTL");
#else
	die("no-new-privs", 0, "no_new_privs needs FreeBSD 14 or later");
#endif
}

/* seccomp records are Linux records, refused above. */
void platform_before_exec(const struct plan *p) { (void)p; }
