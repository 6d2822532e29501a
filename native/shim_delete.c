/* The delete action without Node, when there is nothing to clean up.
 * containerd 1.6 runs `delete` after every shim connection closes, even a
 * clean Shutdown, and waits for it. src/shim/cleanup.ts kills and deletes
 * the container, unmounts <bundle>/rootfs and removes a dead group socket;
 * when the runtime's state root has no entry for the id (the store's
 * layout, docs/state.md: <id>/ or .creating~<id>~...), nothing is mounted
 * at or below the rootfs and no socket of the container's groups is dead,
 * each of those steps would do nothing, and the answer is the same
 * DeleteResponse: no pid, 128+SIGKILL, now. */
#include "shim_launch.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* 1 when the runtime may know the container (or the root cannot be read). */
static int state_present(const struct shim_flags *f)
{
	char root[PATH_MAX];
	const char *base = getenv("RUNJ_SHIM_ROOT");
	int n = base && *base ? snprintf(root, sizeof root, "%s/%s", base, f->namespace)
	                      : snprintf(root, sizeof root, "%s/runj/%s", shim_state_dir(), f->namespace);
	if (n < 0 || (size_t)n >= sizeof root || (base && *base && base[0] != '/'))
		return 1;
	DIR *d = opendir(root);
	if (!d)
		return errno != ENOENT;
	char staged[PATH_MAX];
	snprintf(staged, sizeof staged, ".creating~%s~", f->id);
	int found = 0;
	for (struct dirent *e; !found && (e = readdir(d));)
		found = strcmp(e->d_name, f->id) == 0 || strncmp(e->d_name, staged, strlen(staged)) == 0;
	closedir(d);
	return found;
}

#ifdef __linux__
/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *w = s;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}
#endif

/* 1 when something is mounted at or below <bundle>/rootfs, or it cannot be told. */
static int rootfs_mounted(const struct shim_flags *f)
{
	char bundle[PATH_MAX], rootfs[PATH_MAX + 8], real[PATH_MAX];
	if (f->bundle[0])
		snprintf(bundle, sizeof bundle, "%s", f->bundle);
	else if (!getcwd(bundle, sizeof bundle))
		return 1;
	snprintf(rootfs, sizeof rootfs, "%s/rootfs", bundle);
	if (!realpath(rootfs, real))
		return errno != ENOENT; /* no rootfs: nothing can be mounted on it */
#ifdef __linux__
	FILE *fp = fopen("/proc/self/mountinfo", "re");
	if (!fp)
		return 1;
	size_t len = strlen(real);
	char *line = NULL;
	size_t cap = 0;
	int found = 0;
	while (!found && getline(&line, &cap, fp) > 0) {
		/* id parent major:minor root MOUNTPOINT ... */
		char *save = NULL, *field = strtok_r(line, " ", &save);
		for (int i = 0; field && i < 4; i++)
			field = strtok_r(NULL, " ", &save);
		if (!field)
			continue;
		unescape(field);
		found = strncmp(field, real, len) == 0 && (field[len] == '\0' || field[len] == '/');
	}
	free(line);
	fclose(fp);
	return found;
#else
	/* FreeBSD: the rootfs directory exists; whether nullfs is on it is the Node shim's to find (getfsstat). */
	return 1;
#endif
}

/* 1 when a socket file of the container's groups is there but nothing listens (Node removes it). */
static int dead_socket(const struct shim_flags *f)
{
	char group[512], path[PATH_MAX];
	const char *groups[] = {group, f->id};
	if (shim_namespace_group(f, group, sizeof group) < 0)
		return 1;
	for (int i = 0; i < 2; i++) {
		if (shim_socket_path(f, groups[i], path, sizeof path) < 0)
			return 1;
		struct stat st;
		if (lstat(path, &st) < 0) {
			if (errno == ENOENT)
				continue;
			return 1;
		}
		int fd = shim_connect(path);
		if (fd < 0)
			return 1;
		close(fd);
	}
	return 0;
}

static void put_varint(unsigned char *b, size_t *n, uint64_t v)
{
	do {
		b[(*n)++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
}

int shim_fast_delete(const struct shim_flags *f)
{
	struct timespec now;
	if (!f->id[0] || strchr(f->id, '/') || state_present(f) || rootfs_mounted(f) || dead_socket(f))
		return -1;
	/* A pod's containers have a group of their own (group.ts): Node knows its socket. */
	char bundle[PATH_MAX];
	if (f->bundle[0])
		snprintf(bundle, sizeof bundle, "%s", f->bundle);
	else if (!getcwd(bundle, sizeof bundle))
		return -1;
	if (shim_bundle_in_pod(bundle))
		return -1;
	clock_gettime(CLOCK_REALTIME, &now);
	/* DeleteResponse {exit_status=2: 137, exited_at=3: Timestamp {seconds=1, nanos=2}}; pid 0 is left out (proto3). */
	unsigned char ts[24], out[40];
	size_t tn = 0, n = 0;
	if (now.tv_sec) {
		ts[tn++] = 1 << 3;
		put_varint(ts, &tn, (uint64_t)now.tv_sec);
	}
	if (now.tv_nsec) {
		ts[tn++] = 2 << 3;
		put_varint(ts, &tn, (uint64_t)now.tv_nsec);
	}
	out[n++] = 2 << 3;
	put_varint(out, &n, 137);
	out[n++] = 3 << 3 | 2;
	out[n++] = (unsigned char)tn;
	memcpy(out + n, ts, tn);
	n += tn;
	return fwrite(out, 1, n, stdout) == n && fflush(stdout) == 0 ? 0 : -1;
}
