/* The parent half in `mode run` (README.md, "Fork and mode run"). */
#ifndef RUNJ_RELAY_H
#define RUNJ_RELAY_H

#include <signal.h>
#include <sys/types.h>

/* Before the fork: blocks the signals the parent half forwards (and
 * SIGCHLD), so none is lost between the fork and relay_run; with `tty`,
 * makes the relay's wake-up pipe (dies with stage "fork"). */
void relay_block_signals(sigset_t *old, int tty);

/* In the child, at once: restores the signal mask, closes the pipe. */
void relay_child(const sigset_t *old);

/* After the fork, in the parent half: forwards signals to the container
 * process `child`; with tty >= 0 (the socketpair the child sends its pty
 * master on) relays that terminal to fds 0 and 1. Exits with the child's
 * status, or 128 + signal. `control` (-1: none) is the sync socket kept
 * for `winsize-channel`: read once the master has arrived (the child reads
 * nothing from the socket after it sent the master). */
_Noreturn void relay_run(pid_t child, int tty, int control, const sigset_t *old);

#endif
