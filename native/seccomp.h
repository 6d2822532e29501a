/* The seccomp filter (Linux, libseccomp; README.md, "Seccomp"). Without
 * -DRUNJ_SECCOMP the helper refuses seccomp records. */
#ifndef RUNJ_SECCOMP_H
#define RUNJ_SECCOMP_H

#include "plan.h"

/* 1. Builds the filter from the plan's seccomp records (nothing without a
 * seccomp-default record). Unknown names: stage "plan"; libseccomp: "seccomp". */
void seccomp_filter_build(const struct plan *p);

/* Loads the filter built above, if any; once. */
void seccomp_filter_load(void);

#endif
