/* Self-protection at the helper's start (README.md, "Security"). */
#ifndef RUNJ_SELFEXEC_H
#define RUNJ_SELFEXEC_H

/* Called first in main, before any fd is touched (not for --features).
 * Linux: unless the running image is already a sealed memfd, copies the
 * executable into one and re-executes it with the same argv and envp (does
 * not return then); then makes the process non-dumpable. FreeBSD: disables
 * tracing of the process. Returns NULL, or what failed (errno set): the
 * caller reports it once its channel is up. */
const char *self_protect(char **argv, char **envp);

#endif
