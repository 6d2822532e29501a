/* The process half of the common stages: the working directory, rlimits
 * and credentials (around the platform's steps), argv[0] on the PATH. */
#include "channel.h"
#include "helper.h"
#include "platform.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *s = buf + 1;; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;
		*s = 0;
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -1;
		*s = c;
		if (!c)
			break;
	}
	struct stat st;
	if (stat(buf, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

/* 6. The working directory is created as root, before the uid changes
 * and before the root turns read-only. */
void make_cwd(const struct plan *p)
{
	struct stat st;
	if (p->cwd && stat(p->cwd, &st) < 0 && errno == ENOENT && mkdir_p(p->cwd, 0755) < 0)
		die_errno("cwd", "mkdir %s", p->cwd);
}

#ifdef __FreeBSD__
/* Whether "/" is reached going up from the cwd by "..": above the
 * process's root ".." stays at the root, so from inside it the walk ends
 * there; from outside it ends at another top (the host's root, or that of
 * a detached mount tree). 1 yes, 0 no, -1 undecided (errno). */
static int cwd_under_root(void)
{
	struct stat root, cur, up;
	char path[PATH_MAX] = ".";
	if (stat("/", &root) < 0 || stat(path, &cur) < 0)
		return -1;
	for (size_t n = 1; n + 3 < sizeof path; n += 3) {
		if (cur.st_dev == root.st_dev && cur.st_ino == root.st_ino)
			return 1;
		memcpy(path + n, "/..", 4);
		if (stat(path, &up) < 0)
			return -1;
		if (up.st_dev == cur.st_dev && up.st_ino == cur.st_ino)
			return 0;  /* a top that is not the root */
		cur = up;
	}
	errno = ENAMETOOLONG;
	return -1;
}
#endif

/* The cwd must be inside the container's root: a path through an fd
 * (/proc/self/fd/N, a symlink to it) may lead to a directory outside it,
 * and the process would keep it across execve. getcwd names the cwd from
 * the process's root: outside it, Linux gives "(unreachable)/..." (which
 * glibc turns into ENOENT). FreeBSD's getcwd may name such a directory by
 * its host path, so there the walk up by ".." decides too. (Not on Linux,
 * where a seccomp filter loaded before the uid change may deny stat.) */
static void check_cwd(const char *cwd)
{
	char buf[PATH_MAX];
	if (!getcwd(buf, sizeof buf)) {
		if (errno != ENOENT)
			die_errno("cwd", "process.cwd %s: getcwd", cwd);
		buf[0] = 0;
	}
	int under = buf[0] == '/';
#ifdef __FreeBSD__
	if (under && (under = cwd_under_root()) < 0)
		die_errno("cwd", "process.cwd %s: walk up to the root", cwd);
#endif
	if (!under)
		die("cwd", 0, "process.cwd %s is outside the container root", cwd);
}

/* 7. rlimits, then groups, gid and uid around the platform's steps. */
void set_process(const struct plan *p)
{
	for (size_t i = 0; i < p->nrlimits; i++) {
		const struct rlimit_rec *r = &p->rlimits[i];
		struct rlimit rl = {
			.rlim_cur = r->soft < 0 ? RLIM_INFINITY : (rlim_t)r->soft,
			.rlim_max = r->hard < 0 ? RLIM_INFINITY : (rlim_t)r->hard,
		};
		if (setrlimit(r->resource, &rl) < 0)
			die_errno("rlimit", "setrlimit %d (soft %lld, hard %lld)", r->resource,
			          (long long)r->soft, (long long)r->hard);
	}
	platform_before_setuid(p);
	if (p->has_user) {
		/* Without a groups record the container gets none, never root's. */
		size_t n = p->ngroups;
		gid_t *g = p->groups;
#ifdef __FreeBSD__
		/* Before FreeBSD 15 the first entry is the effective gid. */
		gid_t buf[n + 1];
		buf[0] = p->gid;
		memcpy(buf + 1, p->groups, n * sizeof *g);
		g = buf;
		n++;
#endif
		if (setgroups(n, g) < 0)
			die_errno("user", "setgroups (%zu groups)", p->ngroups);
		if (setresgid(p->gid, p->gid, p->gid) < 0)
			die_errno("user", "setgid %u", (unsigned)p->gid);
		if (setresuid(p->uid, p->uid, p->uid) < 0)
			die_errno("user", "setuid %u", (unsigned)p->uid);
	} else if (p->has_groups && setgroups(p->ngroups, p->groups) < 0) {
		die_errno("user", "setgroups (%zu groups)", p->ngroups);
	}
	if (p->has_umask)
		umask(p->umask);
	if (p->cwd && chdir(p->cwd) < 0)
		die_errno("cwd", "chdir %s", p->cwd);
	check_cwd(p->cwd ? p->cwd : ".");
}

static int executable(const char *path, int *err)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		*err = errno;
		return 0;
	}
	if (S_ISDIR(st.st_mode)) {
		*err = EISDIR;
		return 0;
	}
	if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) < 0) {
		*err = errno;
		return 0;
	}
	return 1;
}

/* 8. argv[0] against the container's PATH, with runc's error text. */
char *resolve_exe(const struct plan *p)
{
	const char *name = p->argv[0];
	int err;
	if (strchr(name, '/')) {
		if (!executable(name, &err))
			die("exec", err, "exec: \"%s\"", name);
		return (char *)name;
	}
	const char *path = DEFAULT_PATH;
	for (size_t i = 0; i < p->envc; i++)
		if (strncmp(p->envp[i], "PATH=", 5) == 0)
			path = p->envp[i] + 5;  /* the last one wins, as in a shell */
	for (const char *dir = path;; ) {
		size_t n = strcspn(dir, ":");
		char cand[PATH_MAX];
		/* An empty entry is the current directory. */
		if (snprintf(cand, sizeof cand, "%.*s/%s", (int)(n ? n : 1), n ? dir : ".", name) < (int)sizeof cand &&
		    executable(cand, &err))
			return strdup(cand);
		if (!dir[n])
			break;
		dir += n + 1;
	}
	die("exec", 0, "exec: \"%s\": executable file not found in $PATH", name);
}
