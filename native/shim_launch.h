#ifndef RUNJ_SHIM_LAUNCH_H
#define RUNJ_SHIM_LAUNCH_H
#include <stddef.h>

/* containerd's command line (Go flag syntax), as src/shim/flags.ts reads it. */
struct shim_flags {
	const char *namespace, *address, *publish_binary, *id, *bundle, *socket;
	int debug;
	const char *action;
};

/* The socket path the Node shim names for `group` (src/shim/paths.ts):
 * <state>/s/<sha256hex(address/namespace/group)>. 0, or -1 when the inputs
 * are not ones the launcher names exactly as Node's path.join would. */
int shim_socket_path(const struct shim_flags *f, const char *group, char *out, size_t size);

/* The namespace's group name (src/shim/group.ts). */
int shim_namespace_group(const struct shim_flags *f, char *out, size_t size);

/* 1 when the bundle's config.json may carry the pod annotation
 * (io.kubernetes.cri.sandbox-id: the pod is the group) or cannot be read. */
int shim_bundle_in_pod(const char *bundle);

/* containerd's state directory: /run/containerd on Linux, /var/run/containerd elsewhere. */
const char *shim_state_dir(void);

/* A connected unix socket to path (close-on-exec, 10 s send and receive
 * timeouts), or -1 with errno set. */
int shim_connect(const char *path);

/* Announces container f->id to the live shim at `path` (Connect with the
 * runj-shim-join metadata, src/shim/life.ts). 0 when that shim will serve it. */
int shim_join(const char *path, const struct shim_flags *f);

/* Starts the Node shim (`script`) as the group's daemon serving `socket`
 * (shim_spawn.c); its answer ("ok", "busy", "error ...") in `answer`.
 * -1 when it could not be started or said nothing. */
int shim_spawn_server(const struct shim_flags *f, const char *bundle, const char *socket, const char *script, char *answer, size_t size);

/* The delete action's fast path: 0 after writing the DeleteResponse when
 * the container left nothing to clean up; -1 to let the Node shim do it. */
int shim_fast_delete(const struct shim_flags *f);

#endif
