/* The plan: what Node decided, as read from the sync socket (README.md). */
#ifndef RUNJ_PLAN_H
#define RUNJ_PLAN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum { MODE_CREATE, MODE_RUN };
enum { HOOK_CREATE_CONTAINER, HOOK_START_CONTAINER };
enum { CAP_BOUNDING, CAP_EFFECTIVE, CAP_PERMITTED, CAP_INHERITABLE, CAP_AMBIENT, CAP_NSETS };

struct ns_rec {
	int join;          /* 1: setns(path), 0: unshare */
	char *type;        /* "pid", "mount", ...; checked by the platform */
	char *path;        /* join only */
};

/* uid-map / gid-map: one line of /proc/<pid>/uid_map or gid_map. */
struct idmap_rec {
	unsigned long container, host, size;
};

struct mount_rec {
	char *dest, *source, *fstype, *data;
	unsigned long flags, pflags;
	int bind;          /* kind: 1 bind, 0 fs */
};

struct device_rec {
	char *path;
	char type;         /* 'c', 'b', 'u' or 'p' */
	unsigned major, minor, mode;
	uid_t uid;
	gid_t gid;
};

struct rlimit_rec {
	int resource;
	int64_t soft, hard; /* -1 = infinity */
};

/* seccomp: names as in the OCI spec; seccomp.c maps them to libseccomp. */
enum {
	SC_ACT_KILL, SC_ACT_KILL_PROCESS, SC_ACT_KILL_THREAD, SC_ACT_TRAP,
	SC_ACT_ERRNO, SC_ACT_TRACE, SC_ACT_ALLOW, SC_ACT_LOG, SC_ACT_COUNT,
};
enum { SC_CMP_NE, SC_CMP_LT, SC_CMP_LE, SC_CMP_EQ, SC_CMP_GE, SC_CMP_GT, SC_CMP_MASKED_EQ, SC_CMP_COUNT };
extern const char *const seccomp_action_names[SC_ACT_COUNT];
extern const char *const seccomp_op_names[SC_CMP_COUNT];

struct seccomp_arg_rec {
	unsigned index;    /* 0..5 */
	int op;            /* SC_CMP_* */
	uint64_t value, value_two;
};

struct seccomp_rule_rec {
	int action;        /* SC_ACT_* */
	unsigned err;      /* errno for ERRNO, message for TRACE */
	char *name;        /* syscall name */
	struct seccomp_arg_rec *args; size_t nargs;
};

struct hook_rec {
	int stage;         /* HOOK_* */
	unsigned timeout;  /* seconds, 0 = none */
	char *path;
	char **argv, **envp; /* NULL-terminated */
};

struct plan {
	int mode;
	char *fifo_dir;
	int preserve_fds;
	int fork, new_keyring, no_new_privs;
	int exec;                      /* exec mode: no fifo, no root, no hooks */
	char *console_socket;
	int has_terminal;
	unsigned rows, cols;
	int winsize_channel;            /* the relay reads `winsize` records on the sync socket */

	/* Linux */
	struct ns_rec *ns;             size_t nns;
	struct idmap_rec *uid_maps;    size_t nuid_maps;   /* with ns-new user */
	struct idmap_rec *gid_maps;    size_t ngid_maps;
	char *root;
	int has_propagation;
	unsigned long propagation;
	struct mount_rec *mounts;      size_t nmounts;
	struct device_rec *devices;    size_t ndevices;
	int default_devices, no_pivot, readonly_root;
	char **masked;                 size_t nmasked;
	char **readonly;               size_t nreadonly;
	char *hostname, *domainname;
	char **sysctl_keys, **sysctl_values; size_t nsysctl;
	int has_oom;
	int oom_score_adj;
	int has_caps;                  /* any caps record: unlisted sets are empty */
	uint64_t caps[CAP_NSETS];
	int has_join_root;
	long join_root;                /* pid whose /proc/<pid>/root becomes the root */
	char **cgroup_procs;           size_t ncgroup_procs;
	int has_seccomp;               /* a seccomp-default record */
	int seccomp_default;           /* SC_ACT_* */
	unsigned seccomp_default_errno;
	char **seccomp_archs;          size_t nseccomp_archs;
	char **seccomp_flags;          size_t nseccomp_flags;
	struct seccomp_rule_rec *seccomp_rules; size_t nseccomp_rules;

	/* FreeBSD */
	int has_jail;
	int jid;

	/* process */
	char **argv;                   size_t argc;
	char **envp;                   size_t envc;
	char *cwd;
	int has_user;
	uid_t uid;
	gid_t gid;
	int has_groups;
	gid_t *groups;                 size_t ngroups;
	int has_umask;
	mode_t umask;
	struct rlimit_rec *rlimits;    size_t nrlimits;
	struct hook_rec *hooks;        size_t nhooks;

	/* from the answer to {"type":"hooks"} */
	char *state_creating, *state_created;
};

/* Reads records up to `end`; dies (stage "plan") on any malformed record. */
void plan_read(struct plan *p, int fd);

/* After {"type":"hooks"}: reads state records up to `continue`.
 * Exits quietly (status 1) when Node closes the socket instead. */
void plan_read_hooks_answer(struct plan *p, int fd);

/* plan_seccomp.c, for the reader: an SC_ACT_* from its name, and one
 * seccomp-rule record. Both die through record_bad. */
int seccomp_action_parse(const char *name);
void seccomp_rule_parse(struct plan *p, char **f, size_t nf);

/* Name of the first Linux-only record the plan holds, or NULL
 * (for backends that have none of these features). */
const char *plan_linux_only(const struct plan *p);

#endif
