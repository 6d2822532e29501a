/**
 * The helper's placement of the container process in its cgroups (native/
 * linux_place.c), driven directly: the parent half writes the child's pid
 * to each cgroup.procs and then tells the child. A child that dies in
 * between (the cgroup's OOM killer takes it on its first page fault there,
 * when the memory limit is too low for it) is not the parent's error: the
 * parent carries on, and whoever waits for the child learns how it ended.
 * runj's create then reports the OOM kill and not "Broken pipe".
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileC, isRoot } from './harness.js';

/* Drives linux_place.c: <placed|dies|gone> <cgroup.procs>...
 * placed: the child waits to be placed, prints its test cgroups, exits 0;
 * dies: the child exits 9 before it is told (a file stands for cgroup.procs,
 *   which takes the write as the cgroup takes a child that then dies there);
 * gone: the child exits 9 before it is moved (a real cgroup.procs).
 * Once platform_place returns and the child has ended, the parent prints
 * "parent placed" and the child's exit status. die() prints the error and exits 3, as the helper's
 * error line ends it. */
const DRIVER = `
#include "channel.h"
#include "linux.h"
#include "platform.h"
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int linux_has_userns(const struct plan *p) { (void)p; return 0; }
int linux_ns_flag(const char *type) { (void)type; return 0; }
void die(const char *stage, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("die %s: ", stage);
	vprintf(fmt, ap);
	va_end(ap);
	printf(": %s\\n", strerror(err));
	exit(3);
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	signal(SIGPIPE, SIG_IGN); /* as the helper does */
	setvbuf(stdout, NULL, _IONBF, 0);
	struct plan p;
	memset(&p, 0, sizeof p);
	p.fork = 1;
	p.cgroup_procs = argv + 2;
	p.ncgroup_procs = (size_t)argc - 2;
	linux_cgroups_prepare(&p);
	const char *mode = argv[1];
	pid_t c = fork();
	if (c == 0) {
		if (strcmp(mode, "placed") != 0)
			_exit(9);
		platform_placed();
		char cg[256];
		FILE *f = fopen("/proc/self/cgroup", "r");
		while (f && fgets(cg, sizeof cg, f))
			if (strstr(cg, ":/runj-place-test-"))
				printf("child in %s", cg);
		_exit(0);
	}
	if (strcmp(mode, "placed") != 0) {
		siginfo_t si; /* a zombie: its end of the pipe is closed */
		if (waitid(P_PID, c, &si, WEXITED | WNOWAIT) < 0)
			return 2;
	}
	platform_place(c);
	int status;
	if (waitpid(c, &status, 0) < 0)
		return 2;
	printf("parent placed\\n");
	printf("child exited %d\\n", WEXITSTATUS(status));
	return 0;
}
`;

// cgroup v2, or two v1 hierarchies (one cgroup.procs each).
const v2 = fs.existsSync('/sys/fs/cgroup/cgroup.controllers');
const hierarchies = v2 ? ['/sys/fs/cgroup'] : ['/sys/fs/cgroup/pids', '/sys/fs/cgroup/memory'];
const realCgroups = isRoot && hierarchies.every((h) => fs.existsSync(h));
const name = `runj-place-test-${process.pid}`;
const dirs = hierarchies.map((h) => path.join(h, name));
const procs = dirs.map((d) => path.join(d, 'cgroup.procs'));

describe('the helper\'s placement in cgroups (native/linux_place.c)', () => {
  let dir: string;
  let driver: string;
  beforeAll(() => {
    if (realCgroups) for (const d of dirs) fs.mkdirSync(d);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-place-'));
    driver = compileC(dir, 'driver', DRIVER, ['linux_place.c']);
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    if (realCgroups) for (const d of dirs) fs.rmdirSync(d);
  });

  const drive = (...args: string[]) => spawnSync(driver, args, { encoding: 'utf8', timeout: 10_000 });

  it('a child that has died by the time it is told is not the parent\'s error', () => {
    const procs = path.join(dir, 'dies.procs');
    fs.writeFileSync(procs, '');
    const r = drive('dies', procs);
    expect(r.stdout).toBe('parent placed\nchild exited 9\n');
    expect(r.status).toBe(0);
    expect(fs.readFileSync(procs, 'utf8')).toMatch(/^\d+$/);
  });

  describe.skipIf(!realCgroups)('with real cgroups', () => {

    it('places the child before it goes on', () => {
      const r = drive('placed', ...procs);
      const lines = r.stdout.split('\n');
      expect(lines.slice(-3)).toEqual(['parent placed', 'child exited 0', '']);
      const where = lines.slice(0, -3).map((l) => l.replace(/^child in \d+:([^:]*):/, '$1 '));
      expect(where.sort()).toEqual(v2 ? [` /${name}`] : [`memory /${name}`, `pids /${name}`]);
    });

    it('a child that died before its move is not the parent\'s error either', () => {
      const r = drive('gone', ...procs);
      expect(r.stdout).toBe('parent placed\nchild exited 9\n');
      for (const f of procs) expect(fs.readFileSync(f, 'utf8')).toBe('');
    });
  });
});
