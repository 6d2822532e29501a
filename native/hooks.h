/* createContainer and startContainer hooks (README.md, "Hooks"). */
#ifndef RUNJ_HOOKS_H
#define RUNJ_HOOKS_H

#include "plan.h"

/* Runs every hook of `stage` (HOOK_*) in plan order, with `state` on its
 * stdin. The first failure dies with the stage name and the hook's path. */
void hooks_run(const struct plan *p, int stage, const char *state);

#endif
