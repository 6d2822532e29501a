/*
 * runj-sys.node: spawn(file, argv, fds, newSession[, sealed]), with which
 * create, run and exec start the helper (src/runtime/helperDirect.ts): vfork
 * and execve (or execveat of a sealed copy of the helper, sealed.c), each of
 * the child's fds placed, every signal back to its default.
 */
#include "sys_addon.h"
#include "sealed.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/resource.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* At most this many fds are placed in a spawned child, and this many argv words passed. */
#define SPAWN_FDS_MAX 1024
#define SPAWN_ARGS_MAX 64

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
  /* The error pipe and the image are close-on-exec and above every source and target (js_spawn). */
  int high = nfds > 3 ? nfds : 3;
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

/* fd moved to the lowest free number at or above floor, close-on-exec (the old one closed); -1 (errno set) if it cannot be. */
static int fd_above(int fd, int floor) {
  if (fd < 0) return -1;
  int moved = fcntl(fd, F_DUPFD_CLOEXEC, floor);
  int e = errno;
  close(fd);
  errno = e;
  return moved;
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
napi_value js_spawn(napi_env env, napi_callback_info info) {
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
  /*
   * spawn's own fds above every source fd: at a listed source's number (one
   * the caller passes on without having it open) the child would get it as
   * that fd, close-on-exec cleared: the pipe's write end kept this read
   * waiting for the child's exit, the copy would be the program's to read.
   */
  /* Sources at or above the fd limit can be no fd of ours (nor open: their targets stay closed). */
  struct rlimit nofile;
  long limit = getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < (rlim_t)INT_MAX ? (long)nofile.rlim_cur : INT_MAX;
  long floor = nfds > 3 ? (long)nfds : 3;
  for (uint32_t i = 0; i < nfds; i++)
    if (fds[i] >= floor && fds[i] < limit) floor = (long)fds[i] + 1;
  int at = (int)floor;
  errpipe[0] = fd_above(errpipe[0], at);
  int moved_errno = errpipe[0] < 0 ? errno : 0;
  errpipe[1] = fd_above(errpipe[1], at);
  if (errpipe[1] < 0 && !moved_errno) moved_errno = errno;
  if (image >= 0) image = fd_above(image, at);
  if (errpipe[0] < 0 || errpipe[1] < 0) {
    result = int_result(env, -moved_errno);
    if (errpipe[0] >= 0) close(errpipe[0]);
    if (errpipe[1] >= 0) close(errpipe[1]);
    if (image >= 0) close(image);
    goto out;
  }
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
