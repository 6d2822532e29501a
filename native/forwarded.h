/* The signals passed on to a container's process (README.md, "Fork and
 * `mode run`"): the helper's relay (relay.c) forwards them to the process,
 * and runj's addon (sys_addon.c, waitForwarding) to the helper while `run`
 * and `exec` wait. src/runtime/helperChannel.ts names the same for the
 * helpers the containerd shim starts. */
#ifndef RUNJ_FORWARDED_H
#define RUNJ_FORWARDED_H

#include <signal.h>
#include <stddef.h>

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
#define FORWARDED_N (sizeof forwarded / sizeof forwarded[0])

/* *set = the forwarded signals. */
static inline void forwarded_set(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < FORWARDED_N; i++)
		sigaddset(set, forwarded[i]);
}

#endif
