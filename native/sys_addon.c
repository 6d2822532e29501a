/*
 * runj-sys.node: the system calls that runj's every container operation
 * makes and Node lacks, as a Node-API addon (C, ABI-stable across Node
 * versions). koffi, the general FFI the FreeBSD backend uses, costs ~5 ms of
 * start-up to load; this file loads in ~0.1 ms, so start, delete, create and
 * the other commands that lock a container do not pay for an FFI
 * (docs/performance.md). create, run and exec also start the helper through
 * it (spawn, socketpair, waitpid): node:child_process, with the
 * node:net and node:stream modules its pipes load, costs ~10 ms of start-up.
 *
 * Every function returns 0 or more on success and -errno on failure: no
 * exception crosses into JavaScript, and errno is read here, right after the
 * call, where nothing else can have changed it.
 */
#include "sys_addon.h"
#include "forwarded.h"
#include "sealed.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* At most this many fds are placed in a spawned child, and this many argv words passed. */
#define SPAWN_FDS_MAX 1024
#define SPAWN_ARGS_MAX 64

int32_t arg_int(napi_env env, napi_value *argv, size_t argc, size_t i) {
  int32_t v;
  if (i >= argc || napi_get_value_int32(env, argv[i], &v) != napi_ok) return INT32_MIN;
  return v;
}

napi_value int_result(napi_env env, int32_t v) {
  napi_value r;
  if (napi_create_int32(env, v, &r) != napi_ok) return NULL;
  return r;
}

/* flock(fd, op): flock(2), retried when a signal interrupts a blocking wait. */
static napi_value js_flock(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  int32_t fd = arg_int(env, argv, argc, 0), op = arg_int(env, argv, argc, 1);
  if (fd == INT32_MIN || op == INT32_MIN) {
    napi_throw_type_error(env, NULL, "flock(fd, op): two integers");
    return NULL;
  }
  int rc;
  do rc = flock(fd, op);
  while (rc < 0 && errno == EINTR);
  return int_result(env, rc < 0 ? -errno : 0);
}

/* socketpair(): [fd, fd], AF_UNIX stream, both close-on-exec; or -errno. */
static napi_value js_socketpair(napi_env env, napi_callback_info info) {
  (void)info;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) return int_result(env, -errno);
  napi_value arr;
  if (napi_create_array_with_length(env, 2, &arr) != napi_ok) return NULL;
  for (uint32_t i = 0; i < 2; i++)
    if (napi_set_element(env, arr, i, int_result(env, sv[i])) != napi_ok) return NULL;
  return arr;
}

char *c_string(napi_env env, napi_value v) {
  size_t len;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "spawn: a string was expected");
    return NULL;
  }
  char *s = malloc(len + 1);
  if (!s) return NULL;
  if (napi_get_value_string_utf8(env, v, s, len + 1, &len) != napi_ok || strlen(s) != len) {
    free(s);
    napi_throw_type_error(env, NULL, "spawn: a string without NUL bytes was expected");
    return NULL;
  }
  return s;
}

/*
 * The child between vfork and exec: it shares the parent's memory (the
 * calling thread is suspended until execve or _exit), so it makes system
 * calls only, writes nothing but its own stack frame and errno, and never
 * returns. Every signal back to its default action and unblocked
 * (Node ignores SIGPIPE and blocks others in its threads), a new session when
 * asked, then child fd i = fds[i]: each source is first moved above the
 * targets (so one target cannot overwrite a later source), then dup2'd into
 * place, which clears close-on-exec; a source that is not open leaves its
 * target closed. Every other fd is closed but the error pipe and the image
 * to run (`image`, a sealed copy, or -1: `file`), both close-on-exec: on
 * failure the errno goes up the pipe. The child has its own fd
 * table and signal actions (Linux: vfork is clone without CLONE_FILES or
 * CLONE_SIGHAND; FreeBSD: sys_vfork forks with RFFDG, sys/kern/kern_fork.c,
 * and copies the sigacts), so none of this touches Node's.
 */
/* Closes every fd from `from` up, but a and b (either may be -1). */
static void close_from_except(int from, int a, int b) {
  int lo = a < b ? a : b, hi = a < b ? b : a;
  if (lo >= from) (void)close_range((unsigned)from, (unsigned)lo - 1, 0), from = lo + 1;
  if (hi >= from) (void)close_range((unsigned)from, (unsigned)hi - 1, 0), from = hi + 1;
  (void)close_range((unsigned)from, ~0U, 0);
}

__attribute__((noinline, noreturn)) static void child(const char *file, int image, char *const argv[], const int *fds, int nfds, int new_session, int errfd) {
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP) (void)sigaction(sig, &dfl, NULL);
  int err = 0;
  int high = nfds > 3 ? nfds : 3;
  int e = fcntl(errfd, F_DUPFD_CLOEXEC, high);
  if (e < 0) _exit(127);
  errfd = e;
  if (image >= 0 && (image = fcntl(image, F_DUPFD_CLOEXEC, high)) < 0) _exit(127);
  if (new_session && setsid() < 0) err = errno;
  int moved[SPAWN_FDS_MAX];
  for (int i = 0; !err && i < nfds; i++) {
    moved[i] = fds[i] < 0 ? -1 : fcntl(fds[i], F_DUPFD_CLOEXEC, high);
    if (moved[i] < 0 && fds[i] >= 0 && errno != EBADF) err = errno;
  }
  for (int i = 0; !err && i < nfds; i++) {
    if (moved[i] < 0) (void)close(i);
    else if (dup2(moved[i], i) < 0) err = errno;
  }
  /* Nothing else reaches the program, whatever Node inherited without close-on-exec. */
  if (!err) close_from_except(nfds, errfd, image);
  sigset_t none;
  sigemptyset(&none);
  if (!err && sigprocmask(SIG_SETMASK, &none, NULL) < 0) err = errno;
  if (!err) {
#ifdef __linux__
    if (image >= 0) execveat(image, "", argv, environ, AT_EMPTY_PATH);
    else
#endif
      execve(file, argv, environ);
    err = errno;
  }
  ssize_t unused = write(errfd, &err, sizeof err);
  (void)unused;
  _exit(127);
}

/*
 * spawn(file, argv, fds, newSession[, sealed]): the child's pid, or -errno
 * when it could not be started (fork failed, or the child's set-up or execve,
 * whose errno it reports before it exits; it is reaped here). argv[0]
 * included. `sealed` (Linux): the child runs a sealed memfd copy of `file`
 * made here (sealed.c), as the helper would make and re-execute itself
 * (selfexec.c): one image loaded instead of two (~1 ms here); `file` itself
 * when it is not an ELF file or the copy cannot be made.
 */
static napi_value js_spawn(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv_js[5];
  if (napi_get_cb_info(env, info, &argc, argv_js, NULL, NULL) != napi_ok) return NULL;
  uint32_t nargs = 0, nfds = 0;
  bool is_array_a = false, is_array_f = false, new_session = false, sealed = false;
  if (argc < 4 || napi_is_array(env, argv_js[1], &is_array_a) != napi_ok || !is_array_a || napi_is_array(env, argv_js[2], &is_array_f) != napi_ok ||
      !is_array_f || napi_get_value_bool(env, argv_js[3], &new_session) != napi_ok ||
      (argc > 4 && napi_get_value_bool(env, argv_js[4], &sealed) != napi_ok)) {
    napi_throw_type_error(env, NULL, "spawn(file, argv[], fds[], newSession[, sealed])");
    return NULL;
  }
  napi_get_array_length(env, argv_js[1], &nargs);
  napi_get_array_length(env, argv_js[2], &nfds);
  if (nargs < 1 || nargs > SPAWN_ARGS_MAX || nfds > SPAWN_FDS_MAX) {
    napi_throw_range_error(env, NULL, "spawn: 1 to 64 argv words, at most 1024 fds");
    return NULL;
  }
  napi_value result = NULL;
  char *file = c_string(env, argv_js[0]);
  char *args[SPAWN_ARGS_MAX + 1] = {0};
  int fds[SPAWN_FDS_MAX];
  if (!file) goto out;
  for (uint32_t i = 0; i < nargs; i++) {
    napi_value w;
    if (napi_get_element(env, argv_js[1], i, &w) != napi_ok || !(args[i] = c_string(env, w))) goto out;
  }
  for (uint32_t i = 0; i < nfds; i++) {
    napi_value f;
    if (napi_get_element(env, argv_js[2], i, &f) != napi_ok || napi_get_value_int32(env, f, &fds[i]) != napi_ok) {
      napi_throw_type_error(env, NULL, "spawn: fds are integers");
      goto out;
    }
  }
  int image = -1;
  if (sealed) {
    /* ELF only: a script run from a close-on-exec fd has no path for its interpreter (ENOENT). */
    int from = open(file, O_RDONLY | O_CLOEXEC);
    char magic[4];
    if (from >= 0 && pread(from, magic, 4, 0) == 4 && memcmp(magic, "\177ELF", 4) == 0) image = sealed_copy(from);
    if (from >= 0) close(from);
  }
  int errpipe[2];
  if (pipe(errpipe) < 0) {
    result = int_result(env, -errno);
    if (image >= 0) close(image);
    goto out;
  }
  (void)fcntl(errpipe[0], F_SETFD, FD_CLOEXEC);
  (void)fcntl(errpipe[1], F_SETFD, FD_CLOEXEC);
  /*
   * vfork, not fork: no copy of Node's page tables and no copy-on-write
   * faults in Node afterwards (spawning the helper took ~4.5 ms with fork,
   * ~1 ms with vfork here), as glibc's and FreeBSD's posix_spawn do; those
   * lack a portable way to start a new session. No signal handler of Node's
   * may run in the child before it resets them: all are blocked across it.
   */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = vfork();
  if (pid == 0) child(file, image, args, fds, (int)nfds, new_session, errpipe[1]);
  int fork_errno = errno;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  close(errpipe[1]);
  if (image >= 0) close(image);
  if (pid < 0) {
    close(errpipe[0]);
    result = int_result(env, -fork_errno);
    goto out;
  }
  int child_errno = 0;
  ssize_t n;
  do n = read(errpipe[0], &child_errno, sizeof child_errno);
  while (n < 0 && errno == EINTR);
  close(errpipe[0]);
  if (n == (ssize_t)sizeof child_errno) {
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
    result = int_result(env, -(child_errno ? child_errno : EIO));
  } else {
    result = int_result(env, pid);
  }
out:
  free(file);
  for (uint32_t i = 0; i < nargs; i++) free(args[i]);
  return result;
}

/* A waitpid(2) outcome as JavaScript: [pid, kind, value] (see js_waitpid), or -errno. */
static napi_value wait_result(napi_env env, pid_t r, int status, int err) {
  if (r < 0) return int_result(env, -err);
  int32_t out[3] = {r, 0, 0};
  if (r > 0 && WIFEXITED(status)) out[1] = 1, out[2] = WEXITSTATUS(status);
  else if (r > 0 && WIFSIGNALED(status)) out[1] = 2, out[2] = WTERMSIG(status);
  napi_value arr;
  if (napi_create_array_with_length(env, 3, &arr) != napi_ok) return NULL;
  for (uint32_t i = 0; i < 3; i++)
    if (napi_set_element(env, arr, i, int_result(env, out[i])) != napi_ok) return NULL;
  return arr;
}

/* waitpid(2), retried when a signal interrupts it; errno in *err. */
static pid_t wait_retrying(pid_t pid, int *status, int flags, int *err) {
  pid_t r;
  do r = waitpid(pid, status, flags);
  while (r < 0 && errno == EINTR);
  *err = r < 0 ? errno : 0;
  return r;
}

/*
 * waitpid(pid, noHang): [pid, kind, value], kind 0 still running (noHang),
 * 1 exited with status value, 2 killed by signal value; or -errno.
 */
static napi_value js_waitpid(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  bool no_hang = false;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  int32_t pid = arg_int(env, argv, argc, 0);
  if (pid == INT32_MIN || argc < 2 || napi_get_value_bool(env, argv[1], &no_hang) != napi_ok) {
    napi_throw_type_error(env, NULL, "waitpid(pid, noHang)");
    return NULL;
  }
  int status = 0, err;
  pid_t r = wait_retrying(pid, &status, no_hang ? WNOHANG : 0, &err);
  return wait_result(env, r, status, err);
}

/*
 * waitForwarding(pid): waitpid(pid) that blocks, while each of the signals
 * native/relay.c forwards (forwarded.h) that reaches this process is passed
 * on to pid: `run` and attached `exec` wait for the helper so, and the
 * helper's parent half passes them on to the container's process. Without
 * the event loop: an idle loop lets V8 run its pending minor GC task (~2 ms
 * in `run`), and each signal would cross libuv's pipe first. The caller's dispositions are put
 * back before pid is reaped, and a handler already running on another thread
 * has finished its kill(2) by then: no signal can reach a pid the system may
 * have handed on. The same result as waitpid(pid, false), or -errno.
 */
static atomic_int forward_to;   /* the pid signals go to; 0: none */
static atomic_int forward_busy; /* handlers between reading forward_to and their kill(2) */

static void forward_signal(int sig) {
  int saved = errno;
  atomic_fetch_add(&forward_busy, 1);
  pid_t to = atomic_load(&forward_to);
  if (to > 0) kill(to, sig);
  atomic_fetch_sub(&forward_busy, 1);
  errno = saved;
}

static napi_value js_wait_forwarding(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  int32_t pid = arg_int(env, argv, argc, 0);
  if (pid <= 0) {
    napi_throw_type_error(env, NULL, "waitForwarding(pid): a pid above 0");
    return NULL;
  }
  struct sigaction sa, old[FORWARDED_N];
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = forward_signal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  atomic_store(&forward_to, pid);
  size_t set = 0;
  while (set < FORWARDED_N && sigaction(forwarded[set], &sa, &old[set]) == 0) set++;
  int err = 0, r = 0;
  if (set < FORWARDED_N) err = errno, r = -1;
  siginfo_t si;
  /* Waited for, not reaped: the pid stays the exited child's until the handlers are gone. */
  while (r == 0 && waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0)
    if (errno != EINTR) err = errno, r = -1;
  atomic_store(&forward_to, 0);
  while (set > 0) set--, sigaction(forwarded[set], &old[set], NULL);
  while (atomic_load(&forward_busy) > 0) sched_yield();
  if (r < 0) return int_result(env, -err);
  int status = 0;
  pid_t w = wait_retrying(pid, &status, 0, &err);
  return wait_result(env, w, status, err);
}

NAPI_MODULE_INIT() {
  static const struct {
    const char *name;
    napi_callback fn;
  } fns[] = {{"flock", js_flock}, {"socketpair", js_socketpair}, {"spawn", js_spawn}, {"waitpid", js_waitpid}, {"waitForwarding", js_wait_forwarding},
                 {"mapFile", js_map_file}, {"latin1", js_latin1}, {"poll", js_poll}};
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value fn;
    if (napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &fn) != napi_ok) return NULL;
    if (napi_set_named_property(env, exports, fns[i].name, fn) != napi_ok) return NULL;
  }
  return exports;
}
