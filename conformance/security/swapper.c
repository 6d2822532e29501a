/*
 * The mount-race swapper: exchanges two names in one directory with
 * renameat2(RENAME_EXCHANGE) as fast as it can, so the name the runtime
 * resolves is a directory one instant and a symlink to a host directory the
 * next. Runs on the host (as a second container sharing the volume would),
 * until SECONDS have passed or it is killed.
 *
 *   sec-swapper DIR NAME_A NAME_B SECONDS
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s DIR NAME_A NAME_B SECONDS\n", argv[0]);
    return 2;
  }
  int dir = open(argv[1], O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) {
    perror(argv[1]);
    return 1;
  }
  time_t end = time(NULL) + atoi(argv[4]);
  for (unsigned long n = 0;; n++) {
    if (renameat2(dir, argv[2], dir, argv[3], RENAME_EXCHANGE) < 0) {
      perror("renameat2");
      return 1;
    }
    if ((n & 1023) == 0 && time(NULL) >= end) return 0;
  }
}
