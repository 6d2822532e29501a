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
#include <termios.h>
#include <unistd.h>

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

/*
 * exit(status): _exit(2), for a command that is done (src/cli/entry.ts). Its
 * output is written and its children reaped; Node's own exit would still stop
 * its platform's threads, dispose of the heap and run the C++ destructors,
 * ~1-2 ms of CPU here for nothing the kernel does not do anyway
 * (docs/performance.md). No 'exit' handler runs: runj registers none.
 *
 * One thing of Node's exit is kept: fds 0-2 are put back as they were when
 * the addon loaded (in the launcher, before anything of runj ran), their file
 * status flags (O_NONBLOCK) and, for a terminal, its modes, as Node's own exit
 * does (ResetStdio): a container shares runj's stdio, and one that left the
 * terminal raw or a pipe non-blocking must not leave the caller's so.
 */
static struct {
  int saved, flags[3], tty[3];
  struct termios modes[3];
} stdio_at_load;

static void save_stdio(void) {
  if (stdio_at_load.saved) return;
  stdio_at_load.saved = 1;
  for (int fd = 0; fd < 3; fd++) {
    stdio_at_load.flags[fd] = fcntl(fd, F_GETFL);
    stdio_at_load.tty[fd] = stdio_at_load.flags[fd] >= 0 && tcgetattr(fd, &stdio_at_load.modes[fd]) == 0;
  }
}

static void restore_stdio(void) {
  for (int fd = 0; fd < 3; fd++) {
    int was = stdio_at_load.flags[fd];
    if (was < 0) continue;
    int now = fcntl(fd, F_GETFL);
    if (now >= 0 && now != was) (void)fcntl(fd, F_SETFL, was);
    if (!stdio_at_load.tty[fd]) continue;
    /* From a background process group tcsetattr would stop us (SIGTTOU): blocked meanwhile, as Node does. */
    sigset_t ttou, old;
    sigemptyset(&ttou);
    sigaddset(&ttou, SIGTTOU);
    pthread_sigmask(SIG_BLOCK, &ttou, &old);
    while (tcsetattr(fd, TCSANOW, &stdio_at_load.modes[fd]) < 0 && errno == EINTR)
      ;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
  }
}

static napi_value js_exit(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  double status = -1;
  napi_valuetype t = napi_undefined;
  if (argc >= 1 && napi_typeof(env, argv[0], &t) == napi_ok && t == napi_number) napi_get_value_double(env, argv[0], &status);
  if (!(status >= 0 && status <= 255) || status != (double)(int)status) {
    napi_throw_type_error(env, NULL, "exit(status): an integer from 0 to 255");
    return NULL;
  }
  restore_stdio();
  _exit((int)status);
}

NAPI_MODULE_INIT() {
  save_stdio();
  static const struct {
    const char *name;
    napi_callback fn;
  } fns[] = {{"flock", js_flock}, {"socketpair", js_socketpair}, {"spawn", js_spawn}, {"waitpid", js_waitpid}, {"waitForwarding", js_wait_forwarding},
                 {"mapFile", js_map_file}, {"latin1", js_latin1}, {"poll", js_poll}, {"exit", js_exit}};
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value fn;
    if (napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &fn) != napi_ok) return NULL;
    if (napi_set_named_property(env, exports, fns[i].name, fn) != napi_ok) return NULL;
  }
  return exports;
}
