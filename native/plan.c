/* The plan reader: text records, one per line, percent-encoded fields
 * (README.md, "The plan"). Strict: anything unexpected is an error that
 * names the record, since the helper and the CLI are built together. */
#include "plan.h"
#include "channel.h"
#include "record.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The plan records: name, field count range (-1: open), at most once. */
enum kw {
	K_VERSION, K_MODE, K_FIFO_DIR, K_PRESERVE_FDS, K_FORK, K_NEW_KEYRING,
	K_NS_JOIN, K_NS_NEW, K_ROOT, K_PROPAGATION, K_MOUNT, K_DEVICE,
	K_DEFAULT_DEVICES, K_NO_PIVOT, K_READONLY_ROOT, K_MASKED, K_READONLY,
	K_HOSTNAME, K_DOMAINNAME, K_SYSCTL, K_OOM, K_CAPS, K_JAIL, K_ARG, K_ENV,
	K_CWD, K_USER, K_GROUPS, K_UMASK, K_RLIMIT, K_NO_NEW_PRIVS, K_HOOK,
	K_EXEC, K_JOIN_ROOT, K_CGROUP_PROCS, K_CONSOLE_SOCKET, K_TERMINAL,
	K_SECCOMP_DEFAULT, K_SECCOMP_ARCH, K_SECCOMP_FLAG, K_SECCOMP_RULE, K_UID_MAP, K_GID_MAP,
	K_WINSIZE_CHANNEL, K_END,
};
static const struct { const char *name; int min, max, once; } kws[] = {
	[K_VERSION] = {"version", 1, 1, 1},     [K_MODE] = {"mode", 1, 1, 1},
	[K_FIFO_DIR] = {"fifo-dir", 1, 1, 1},   [K_PRESERVE_FDS] = {"preserve-fds", 1, 1, 1},
	[K_FORK] = {"fork", 0, 0, 1},           [K_NEW_KEYRING] = {"new-keyring", 0, 0, 1},
	[K_NS_JOIN] = {"ns-join", 2, 2, 0},     [K_NS_NEW] = {"ns-new", 1, 1, 0},
	[K_ROOT] = {"root", 1, 1, 1},           [K_PROPAGATION] = {"propagation", 1, 1, 1},
	[K_MOUNT] = {"mount", 7, 7, 0},         [K_DEVICE] = {"device", 7, 7, 0},
	[K_DEFAULT_DEVICES] = {"default-devices", 0, 0, 1},
	[K_NO_PIVOT] = {"no-pivot", 0, 0, 1},   [K_READONLY_ROOT] = {"readonly-root", 0, 0, 1},
	[K_MASKED] = {"masked", 1, 1, 0},       [K_READONLY] = {"readonly", 1, 1, 0},
	[K_HOSTNAME] = {"hostname", 1, 1, 1},   [K_DOMAINNAME] = {"domainname", 1, 1, 1},
	[K_SYSCTL] = {"sysctl", 2, 2, 0},       [K_OOM] = {"oom-score-adj", 1, 1, 1},
	[K_CAPS] = {"caps", 2, 2, 0},           [K_JAIL] = {"jail", 1, 1, 1},
	[K_ARG] = {"arg", 1, 1, 0},             [K_ENV] = {"env", 1, 1, 0},
	[K_CWD] = {"cwd", 1, 1, 1},             [K_USER] = {"user", 2, 2, 1},
	[K_GROUPS] = {"groups", 0, -1, 1},      [K_UMASK] = {"umask", 1, 1, 1},
	[K_RLIMIT] = {"rlimit", 3, 3, 0},       [K_NO_NEW_PRIVS] = {"no-new-privs", 0, 0, 1},
	[K_HOOK] = {"hook", 5, -1, 0},          [K_EXEC] = {"exec", 0, 0, 1},
	[K_JOIN_ROOT] = {"join-root", 1, 1, 1}, [K_CGROUP_PROCS] = {"cgroup-procs", 1, 1, 0},
	[K_CONSOLE_SOCKET] = {"console-socket", 1, 1, 1}, [K_TERMINAL] = {"terminal", 2, 2, 1},
	[K_SECCOMP_DEFAULT] = {"seccomp-default", 2, 2, 1}, [K_SECCOMP_ARCH] = {"seccomp-arch", 1, 1, 0},
	[K_SECCOMP_FLAG] = {"seccomp-flag", 1, 1, 0}, [K_SECCOMP_RULE] = {"seccomp-rule", 4, -1, 0},
	[K_UID_MAP] = {"uid-map", 3, 3, 0},     [K_GID_MAP] = {"gid-map", 3, 3, 0},
	[K_WINSIZE_CHANNEL] = {"winsize-channel", 0, 0, 1},
	[K_END] = {"end", 0, 0, 1},
};

static const char *const cap_sets[CAP_NSETS] = {
	[CAP_BOUNDING] = "bounding", [CAP_EFFECTIVE] = "effective",
	[CAP_PERMITTED] = "permitted", [CAP_INHERITABLE] = "inheritable",
	[CAP_AMBIENT] = "ambient",
};

static void hook_record(struct plan *p, char **f, size_t nf)
{
	struct hook_rec *h = push(&p->hooks, &p->nhooks, sizeof *h);
	if (strcmp(f[1], "createContainer") == 0)
		h->stage = HOOK_CREATE_CONTAINER;
	else if (strcmp(f[1], "startContainer") == 0)
		h->stage = HOOK_START_CONTAINER;
	else
		record_bad("unknown hook stage \"%s\"", f[1]);
	h->timeout = (unsigned)record_num(f[2], 1u << 30);
	h->path = xstrdup(f[3]);
	size_t argc = (size_t)record_num(f[4], nf), n = 0;
	if (5 + argc >= nf)
		record_bad("argc %zu leaves no room for envc", argc);
	size_t envc = (size_t)record_num(f[5 + argc], nf);
	if (6 + argc + envc != nf)
		record_bad("argc %zu and envc %zu do not match the %zu fields", argc, envc, nf - 1);
	for (size_t i = 0; i < argc; i++)
		strv_push(&h->argv, &n, xstrdup(f[5 + i]));
	if (!argc)
		strv_push(&h->argv, &n, xstrdup(f[3]));
	h->envp = strv_new();
	n = 0;
	for (size_t i = 0; i < envc; i++)
		strv_push(&h->envp, &n, xstrdup(f[6 + argc + i]));
}

/* Applies one record; returns 1 for "end". */
static int record(struct plan *p, char **f, size_t nf, unsigned long long *seen)
{
	size_t k = 0;
	while (k < sizeof kws / sizeof *kws && strcmp(kws[k].name, f[0]) != 0)
		k++;
	if (k == sizeof kws / sizeof *kws)
		record_bad("unknown record \"%s\"", f[0]);
	int n = (int)nf - 1;
	if (n < kws[k].min || (kws[k].max >= 0 && n > kws[k].max))
		record_bad("%d fields, expected %d%s", n, kws[k].min,
		    kws[k].max < 0 ? " or more" : kws[k].max > kws[k].min ? "..more" : "");
	if (kws[k].once && (*seen & (1ull << k)))
		record_bad("repeated record");
	*seen |= 1ull << k;

	switch ((enum kw)k) {
	case K_VERSION:
		if (strcmp(f[1], "1") != 0)
			record_bad("unsupported protocol version %s (this helper speaks 1)", f[1]);
		break;
	case K_MODE:
		if (strcmp(f[1], "create") == 0) p->mode = MODE_CREATE;
		else if (strcmp(f[1], "run") == 0) p->mode = MODE_RUN;
		else record_bad("mode must be create or run");
		break;
	case K_FIFO_DIR: p->fifo_dir = xstrdup(f[1]); break;
	case K_PRESERVE_FDS: p->preserve_fds = (int)record_num(f[1], 1 << 20); break;
	case K_FORK: p->fork = 1; break;
	case K_NEW_KEYRING: p->new_keyring = 1; break;
	case K_NS_JOIN:
	case K_NS_NEW: {
		struct ns_rec *ns = push(&p->ns, &p->nns, sizeof *ns);
		ns->join = k == K_NS_JOIN;
		ns->type = xstrdup(f[1]);
		ns->path = ns->join ? xstrdup(f[2]) : NULL;
		break;
	}
	case K_ROOT:
		if (f[1][0] != '/')
			record_bad("root must be an absolute path");
		p->root = xstrdup(f[1]);
		break;
	case K_PROPAGATION: p->has_propagation = 1; p->propagation = (unsigned long)record_hex(f[1]); break;
	case K_MOUNT: {
		struct mount_rec *m = push(&p->mounts, &p->nmounts, sizeof *m);
		if (f[1][0] != '/')
			record_bad("mount destination must be absolute");
		m->dest = xstrdup(f[1]);
		m->source = xstrdup(f[2]);
		m->fstype = xstrdup(f[3]);
		m->flags = (unsigned long)record_hex(f[4]);
		m->data = xstrdup(f[5]);
		m->pflags = (unsigned long)record_hex(f[6]);
		if (strcmp(f[7], "bind") != 0 && strcmp(f[7], "fs") != 0)
			record_bad("mount kind must be bind or fs");
		m->bind = f[7][0] == 'b';
		break;
	}
	case K_DEVICE: {
		struct device_rec *d = push(&p->devices, &p->ndevices, sizeof *d);
		if (f[1][0] != '/')
			record_bad("device path must be absolute");
		if (strlen(f[2]) != 1 || !strchr("cbup", f[2][0]))
			record_bad("device type must be c, b, u or p");
		d->path = xstrdup(f[1]);
		d->type = f[2][0];
		d->major = (unsigned)record_num(f[3], UINT32_MAX);
		d->minor = (unsigned)record_num(f[4], UINT32_MAX);
		d->mode = (unsigned)record_num(f[5], 07777);
		d->uid = (uid_t)record_num(f[6], UINT32_MAX - 1);
		d->gid = (gid_t)record_num(f[7], UINT32_MAX - 1);
		break;
	}
	case K_DEFAULT_DEVICES: p->default_devices = 1; break;
	case K_NO_PIVOT: p->no_pivot = 1; break;
	case K_READONLY_ROOT: p->readonly_root = 1; break;
	case K_MASKED: strv_push(&p->masked, &p->nmasked, xstrdup(f[1])); break;
	case K_READONLY: strv_push(&p->readonly, &p->nreadonly, xstrdup(f[1])); break;
	case K_HOSTNAME: p->hostname = xstrdup(f[1]); break;
	case K_DOMAINNAME: p->domainname = xstrdup(f[1]); break;
	case K_SYSCTL: {
		size_t n2 = p->nsysctl;
		strv_push(&p->sysctl_keys, &p->nsysctl, xstrdup(f[1]));
		strv_push(&p->sysctl_values, &n2, xstrdup(f[2]));
		break;
	}
	case K_OOM: p->has_oom = 1; p->oom_score_adj = (int)record_snum(f[1], -1000, 1000); break;
	case K_CAPS: {
		int s = 0;
		while (s < CAP_NSETS && strcmp(cap_sets[s], f[1]) != 0)
			s++;
		if (s == CAP_NSETS)
			record_bad("unknown capability set \"%s\"", f[1]);
		p->has_caps = 1;
		p->caps[s] = record_hex(f[2]);
		break;
	}
	case K_JAIL: p->has_jail = 1; p->jid = (int)record_num(f[1], INT32_MAX); break;
	case K_ARG: strv_push(&p->argv, &p->argc, xstrdup(f[1])); break;
	case K_ENV: strv_push(&p->envp, &p->envc, xstrdup(f[1])); break;
	case K_CWD:
		if (f[1][0] != '/')
			record_bad("cwd must be an absolute path");
		p->cwd = xstrdup(f[1]);
		break;
	case K_USER:
		p->has_user = 1;
		p->uid = (uid_t)record_num(f[1], UINT32_MAX - 1);
		p->gid = (gid_t)record_num(f[2], UINT32_MAX - 1);
		break;
	case K_GROUPS:
		p->has_groups = 1;
		for (size_t i = 1; i < nf; i++)
			*(gid_t *)push(&p->groups, &p->ngroups, sizeof(gid_t)) = (gid_t)record_num(f[i], UINT32_MAX - 1);
		break;
	case K_UMASK: p->has_umask = 1; p->umask = (mode_t)record_num(f[1], 0777); break;
	case K_RLIMIT: {
		struct rlimit_rec *r = push(&p->rlimits, &p->nrlimits, sizeof *r);
		r->resource = (int)record_num(f[1], 1024);
		r->soft = record_snum(f[2], -1, INT64_MAX);
		r->hard = record_snum(f[3], -1, INT64_MAX);
		break;
	}
	case K_NO_NEW_PRIVS: p->no_new_privs = 1; break;
	case K_HOOK: hook_record(p, f, nf); break;
	case K_EXEC: p->exec = 1; break;
	case K_JOIN_ROOT: p->has_join_root = 1; p->join_root = (long)record_num(f[1], INT32_MAX); break;
	case K_CGROUP_PROCS: strv_push(&p->cgroup_procs, &p->ncgroup_procs, xstrdup(f[1])); break;
	case K_CONSOLE_SOCKET: p->console_socket = xstrdup(f[1]); break;
	case K_TERMINAL:
		p->has_terminal = 1;
		p->rows = (unsigned)record_num(f[1], 65535);
		p->cols = (unsigned)record_num(f[2], 65535);
		break;
	case K_SECCOMP_DEFAULT:
		p->has_seccomp = 1;
		p->seccomp_default = seccomp_action_parse(f[1]);
		p->seccomp_default_errno = (unsigned)record_num(f[2], 65535);
		break;
	case K_SECCOMP_ARCH: strv_push(&p->seccomp_archs, &p->nseccomp_archs, xstrdup(f[1])); break;
	case K_SECCOMP_FLAG: strv_push(&p->seccomp_flags, &p->nseccomp_flags, xstrdup(f[1])); break;
	case K_SECCOMP_RULE: seccomp_rule_parse(p, f, nf); break;
	case K_UID_MAP:
	case K_GID_MAP: {
		struct idmap_rec *m = k == K_UID_MAP ? push(&p->uid_maps, &p->nuid_maps, sizeof *m)
		                                     : push(&p->gid_maps, &p->ngid_maps, sizeof *m);
		m->container = (unsigned long)record_num(f[1], UINT32_MAX - 1);
		m->host = (unsigned long)record_num(f[2], UINT32_MAX - 1);
		m->size = (unsigned long)record_num(f[3], UINT32_MAX);
		if (!m->size)
			record_bad("size must be at least 1");
		break;
	}
	case K_WINSIZE_CHANNEL: p->winsize_channel = 1; break;
	case K_END: return 1;
	}
	return 0;
}

void plan_read(struct plan *p, int fd)
{
	memset(p, 0, sizeof *p);
	unsigned long long seen = 0;
	char **f;
	size_t nf;
	do {
		f = record_next(fd, &nf);
		if (!f)
			die("plan", 0, "input ended before record \"end\" (after %u records)", record_count());
		if (record_count() == 1 && strcmp(f[0], "version") != 0)
			record_bad("the first record must be \"version\"");
	} while (!record(p, f, nf, &seen));

	if (!(seen & (1ull << K_MODE)))
		die("plan", 0, "no \"mode\" record");
	if (!p->fifo_dir && !p->exec)
		die("plan", 0, "no \"fifo-dir\" record");
	if (p->exec) {
		/* exec runs a process in a container that is already set up. */
		static const enum kw refused[] = {
			K_FIFO_DIR, K_HOOK, K_ROOT, K_PROPAGATION, K_MOUNT, K_DEVICE, K_DEFAULT_DEVICES,
			K_NO_PIVOT, K_READONLY_ROOT, K_MASKED, K_READONLY, K_HOSTNAME, K_DOMAINNAME, K_SYSCTL,
		};
		for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
			if (seen & (1ull << refused[i]))
				die("plan", 0, "\"%s\" is not allowed with \"exec\"", kws[refused[i]].name);
	}
	if (p->console_socket && !p->has_terminal)
		die("plan", 0, "\"console-socket\" needs a \"terminal\" record");
	/* Without a console socket the parent half relays the terminal. */
	if (p->has_terminal && !p->console_socket && (p->mode != MODE_RUN || !p->fork))
		die("plan", 0, "\"terminal\" without \"console-socket\" needs \"mode run\" and \"fork\"");
	/* Only a relayed terminal has a master in the parent half to resize. */
	if (p->winsize_channel && (!p->has_terminal || p->console_socket))
		die("plan", 0, "\"winsize-channel\" needs \"terminal\" without \"console-socket\"");
	if (!p->has_seccomp && (p->nseccomp_archs || p->nseccomp_flags || p->nseccomp_rules))
		die("plan", 0, "seccomp records need a \"seccomp-default\" record");
	if (!p->argc)
		die("plan", 0, "no \"arg\" record: the process needs argv[0]");
	if (!p->envp)
		p->envp = strv_new();
}

void plan_read_hooks_answer(struct plan *p, int fd)
{
	char **f;
	size_t nf;
	while ((f = record_next(fd, &nf))) {
		char **slot;
		if (strcmp(f[0], "continue") == 0 && nf == 1)
			return;
		else if (strcmp(f[0], "state-creating") == 0 && nf == 2)
			slot = &p->state_creating;
		else if (strcmp(f[0], "state-created") == 0 && nf == 2)
			slot = &p->state_created;
		else
			record_bad("expected \"state-creating <json>\", \"state-created <json>\" or \"continue\"");
		free(*slot);
		*slot = xstrdup(f[1]);
	}
	_exit(1);  /* Node closed the socket: abort, no error line */
}

const char *plan_linux_only(const struct plan *p)
{
	if (p->nns) return "ns-join/ns-new";
	if (p->nuid_maps || p->ngid_maps) return "uid-map/gid-map";
	if (p->root) return "root";
	if (p->has_propagation) return "propagation";
	if (p->nmounts) return "mount";
	if (p->ndevices) return "device";
	if (p->default_devices) return "default-devices";
	if (p->no_pivot) return "no-pivot";
	if (p->readonly_root) return "readonly-root";
	if (p->nmasked) return "masked";
	if (p->nreadonly) return "readonly";
	if (p->hostname) return "hostname";
	if (p->domainname) return "domainname";
	if (p->nsysctl) return "sysctl";
	if (p->has_oom) return "oom-score-adj";
	if (p->has_caps) return "caps";
	if (p->has_join_root) return "join-root";
	if (p->ncgroup_procs) return "cgroup-procs";
	if (p->has_seccomp) return "seccomp-default";
	return NULL;
}
