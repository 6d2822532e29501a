/* containerd-shim-runj-v1: the program containerd runs for every container.
 *
 * The shim itself is Node (dist/containerd-shim-runj-v1.cjs). containerd
 * runs this binary at least twice per container: `start` before Create and
 * `delete` after the shim's connection closes, each time waiting for it, so
 * a Node start-up (tens of ms) in each sat on every `ctr run`. The two
 * common cases need no Node:
 * - `start` when the namespace's shim already listens: announce the
 *   container to it and print its address (src/shim/launch.ts's join);
 * - `delete` when the container left nothing behind (shim_delete.c).
 * Anything else (no live shim, a pod annotation, runtime options or a 2.3
 * bootstrap on stdin, another grouping, flags this file does not know)
 * executes the Node shim with the same arguments and the same stdin: this
 * file decides nothing the Node shim would decide differently. */
#include "shim_launch.h"
#include "shim_sha256.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STDIN_LIMIT (10 << 20) /* containerd's own bound (src/shim/reply.ts) */

const char *shim_state_dir(void)
{
#ifdef __linux__
	return "/run/containerd";
#else
	return "/var/run/containerd";
#endif
}

/* What Node's path.join leaves as it is: absolute, no empty, . or .. part. */
static int clean_path(const char *p)
{
	if (p[0] != '/' || strstr(p, "//") || strstr(p, "/./") || strstr(p, "/../"))
		return 0;
	size_t n = strlen(p);
	return n > 1 && p[n - 1] != '/' && !(n >= 2 && strcmp(p + n - 2, "/.") == 0) && !(n >= 3 && strcmp(p + n - 3, "/..") == 0);
}

/* A containerd identifier (namespaces and ids: letters, digits, . _ -). */
static int plain_name(const char *s)
{
	if (!*s || strcmp(s, ".") == 0 || strcmp(s, "..") == 0 || strlen(s) > 255)
		return 0;
	for (; *s; s++)
		if (!(*s == '.' || *s == '_' || *s == '-' || (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
			return 0;
	return 1;
}

int shim_socket_path(const struct shim_flags *f, const char *group, char *out, size_t size)
{
	char key[PATH_MAX * 2];
	if (!clean_path(f->address) || !plain_name(f->namespace))
		return -1;
	int n = snprintf(key, sizeof key, "%s/%s/%s", f->address, f->namespace, group);
	if (n < 0 || (size_t)n >= sizeof key)
		return -1;
	char hex[65];
	sha256_hex(key, (size_t)n, hex);
	n = snprintf(out, size, "%s/s/%s", shim_state_dir(), hex);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int shim_namespace_group(const struct shim_flags *f, char *out, size_t size)
{
	int n = snprintf(out, size, "runj:namespace:%s", f->namespace);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Go's flag package: -name value, -name=value, one or two dashes; booleans
 * take no separate value; parsing stops at the first non-flag or "--". */
static int parse_flags(int argc, char **argv, struct shim_flags *f)
{
	static const char *const names[] = {"namespace", "address", "publish-binary", "id", "bundle", "socket"};
	const char **slots[] = {&f->namespace, &f->address, &f->publish_binary, &f->id, &f->bundle, &f->socket};
	int i = 1;
	for (; i < argc; i++) {
		char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break;
		a += a[1] == '-' ? 2 : 1;
		char *eq = strchr(a, '=');
		size_t len = eq ? (size_t)(eq - a) : strlen(a);
		if (len == 5 && strncmp(a, "debug", 5) == 0) {
			if (eq && strcmp(eq + 1, "true") && strcmp(eq + 1, "false"))
				return -1;
			f->debug = !eq || strcmp(eq + 1, "true") == 0;
			continue;
		}
		size_t k = 0;
		while (k < sizeof names / sizeof *names && !(strlen(names[k]) == len && strncmp(a, names[k], len) == 0))
			k++;
		if (k == sizeof names / sizeof *names)
			return -1; /* -v and anything unknown: Node answers */
		if (eq)
			*slots[k] = eq + 1;
		else if (i + 1 < argc)
			*slots[k] = argv[++i];
		else
			return -1;
	}
	if (i != argc - 1)
		return -1;
	f->action = argv[i];
	return 0;
}

/* The directory this program lives in, with links resolved. */
static int self_dir(const char *argv0, char *out)
{
	const char *self = NULL;
#ifdef __linux__
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	if (n > 0) {
		buf[n] = '\0';
		self = buf;
	}
#endif
	if (!self && strchr(argv0, '/'))
		self = argv0; /* containerd runs shims by absolute path */
	char found[PATH_MAX];
	const char *dirs = getenv("PATH");
	while (!self && dirs && *dirs) { /* run by name from a shell: as execvp found it */
		size_t n = strcspn(dirs, ":");
		if (n && snprintf(found, sizeof found, "%.*s/%s", (int)n, dirs, argv0) < (int)sizeof found && access(found, X_OK) == 0)
			self = found;
		dirs += n + (dirs[n] == ':');
	}
	if (!self || !realpath(self, out))
		return -1;
	char *slash = strrchr(out, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	return 0;
}

/* The Node shim beside this program (dist/), or in ../dist when this is native/'s build. */
static int find_script(const char *argv0, char *script, size_t size)
{
	char dir[PATH_MAX];
	struct stat st;
	if (self_dir(argv0, dir) < 0)
		return -1;
	snprintf(script, size, "%s/containerd-shim-runj-v1.cjs", dir);
	if (stat(script, &st) == 0)
		return 0;
	snprintf(script, size, "%s/../dist/containerd-shim-runj-v1.cjs", dir);
	return stat(script, &st);
}

static _Noreturn void run_node(int argc, char **argv)
{
	char script[PATH_MAX + 64];
	if (find_script(argv[0], script, sizeof script) < 0) {
		fprintf(stderr, "containerd-shim-runj-v1: cannot find containerd-shim-runj-v1.cjs beside %s\n", argv[0]);
		exit(1);
	}
	char **args = calloc((size_t)argc + 3, sizeof *args);
	if (!args)
		exit(1);
	/* --no-warnings: stdout and stderr are start's reply, read merged. */
	args[0] = "node";
	args[1] = "--no-warnings";
	args[2] = script;
	for (int i = 1; i < argc; i++)
		args[i + 2] = argv[i];
	const char *node = getenv("RUNJ_NODE");
	if (node && *node)
		execv(node, args);
	else
		execvp("node", args);
	fprintf(stderr, "containerd-shim-runj-v1: cannot run node: %s\n", strerror(errno));
	exit(1);
}

/* Reads stdin to its end; anything there goes back as stdin for Node (a
 * temporary file, already unlinked). 1 when stdin held something. */
static int stdin_has_data(void)
{
	if (isatty(0))
		return 0;
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	if (!buf)
		return 1;
	for (;;) {
		if (len == cap) {
			char *more = cap < STDIN_LIMIT + 1 ? realloc(buf, cap *= 2) : NULL;
			if (!more)
				break;
			buf = more;
		}
		ssize_t n = read(0, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if (len == 0) {
		free(buf);
		return 0;
	}
	FILE *t = tmpfile();
	if (t && fwrite(buf, 1, len, t) == len && fflush(t) == 0 && lseek(fileno(t), 0, SEEK_SET) == 0)
		dup2(fileno(t), 0);
	free(buf);
	return 1;
}

int shim_bundle_in_pod(const char *bundle)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "%s/config.json", bundle) >= (int)sizeof path)
		return 1;
	FILE *fp = fopen(path, "re");
	if (!fp)
		return errno != ENOENT; /* Node reads an unreadable config.json as no annotations; only ENOENT is sure */
	static char text[1 << 20];
	size_t n = fread(text, 1, sizeof text - 1, fp);
	int big = !feof(fp);
	fclose(fp);
	text[n] = '\0';
	return big || strlen(text) != n || strstr(text, "io.kubernetes.cri.sandbox-id") != NULL;
}

/* As launch.ts's startShim: join the group's live shim, else start one (a
 * shim that lost the race to listen says "busy": join the winner). */
static int fast_start(const struct shim_flags *f, const char *argv0)
{
	const char *mode = getenv("RUNJ_SHIM_GROUP");
	char bundle[PATH_MAX], group[512], path[PATH_MAX], script[PATH_MAX + 64], answer[512];
	if (mode && *mode && strcmp(mode, "namespace") != 0)
		return -1;
	if (!plain_name(f->id) || stdin_has_data())
		return -1;
	if (f->bundle[0])
		snprintf(bundle, sizeof bundle, "%s", f->bundle);
	else if (!getcwd(bundle, sizeof bundle))
		return -1;
	if (shim_bundle_in_pod(bundle) || shim_namespace_group(f, group, sizeof group) < 0 ||
	    shim_socket_path(f, group, path, sizeof path) < 0 || find_script(argv0, script, sizeof script) < 0)
		return -1;
	int served = 0;
	for (int attempt = 0; attempt < 5 && !served; attempt++) {
		if (shim_join(path, f) == 0) {
			served = 1;
			break;
		}
		if (shim_spawn_server(f, bundle, path, script, answer, sizeof answer) < 0)
			return -1;
		served = strcmp(answer, "ok") == 0;
		if (!served && strcmp(answer, "busy") != 0)
			return -1; /* the Node shim tries again and reports why */
		if (!served)
			usleep(50000 * (attempt + 1)); /* a leaving shim's socket is about to go */
	}
	if (!served)
		return -1;
	/* As reply.ts: 1.7 and 2.x set MAX_SHIM_VERSION and read JSON. */
	const char *max = getenv("MAX_SHIM_VERSION");
	char *end;
	long v = max && *max ? strtol(max, &end, 10) : 0;
	if (max && *max && (*end || v < 0))
		return -1;
	if (v >= 2)
		printf("{\"version\":%ld,\"address\":\"unix://%s\",\"protocol\":\"ttrpc\"}", v < 3 ? v : 3, path);
	else
		printf("unix://%s", path);
	return fflush(stdout) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct shim_flags f = {"", "", "", "", "", "", 0, ""};
	if (parse_flags(argc, argv, &f) == 0) {
		if (strcmp(f.action, "start") == 0 && fast_start(&f, argv[0]) == 0)
			return 0;
		if (strcmp(f.action, "delete") == 0 && shim_fast_delete(&f) == 0)
			return 0;
	}
	run_node(argc, argv);
}
