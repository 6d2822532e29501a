/* freebsd-check: FreeBSD's <sys/procctl.h> as far as the helper uses it.
 * idtype_t and P_PID come from <sys/wait.h> (glibc has the same names);
 * id_t is 64 bits on FreeBSD. Checked by scripts/abi-check.mjs. */
#ifndef RUNJ_FREEBSD_SYS_PROCCTL_H
#define RUNJ_FREEBSD_SYS_PROCCTL_H

#include <stdint.h>
#include <sys/wait.h>

#define PROC_TRACE_CTL 7
#define PROC_TRACE_STATUS 8
#define PROC_NO_NEW_PRIVS_CTL 19
#define PROC_NO_NEW_PRIVS_STATUS 20

#define PROC_TRACE_CTL_ENABLE 1
#define PROC_TRACE_CTL_DISABLE 2
#define PROC_TRACE_CTL_DISABLE_EXEC 3

#define PROC_NO_NEW_PRIVS_ENABLE 1
#define PROC_NO_NEW_PRIVS_DISABLE 2

int procctl(idtype_t idtype, int64_t id, int cmd, void *data);

#endif
