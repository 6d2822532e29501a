/**
 * A child's exit, awaited on the event loop without a thread: each SIGCHLD
 * (and a slow backstop tick) makes a waitpid(WNOHANG) for the child, so
 * `run` and `exec` forward the signals they get while they wait.
 *
 * A blocking waitpid on a thread of libuv's pool, as this was before, started
 * that pool: four threads made, and waited for, at the first use (~3 ms in
 * the process, and +5.5 ms of a command's wall time with their join at exit,
 * measured on the development VM; docs/performance.md). No CLI command uses
 * the pool otherwise.
 *
 * Node hands SIGCHLD to every listener, beside libuv's own reaping of
 * node:child_process children (a hook's), which waits for its own pids only;
 * this waits for `pid` only. A signal listener does not keep the event loop
 * alive: the backstop interval does, until the child is reaped.
 */
import type { Sys } from './sys.js';

/** How often the child is looked at when no SIGCHLD came (none is lost: this is the backstop). */
const BACKSTOP_MS = 1000;

/** What waitpid(pid, false) returns ([pid, 1 exited | 2 signalled, status or signal], or -errno), once the child is gone. */
export function childExit(sys: Pick<Sys, 'waitpid'>, pid: number): Promise<[number, number, number] | number> {
  if (!Number.isInteger(pid) || pid <= 0) throw new TypeError(`childExit: ${pid} is not a pid above 0`);
  return new Promise((resolve) => {
    let backstop: ReturnType<typeof setInterval> | undefined;
    const look = () => {
      const r = sys.waitpid(pid, true);
      if (typeof r !== 'number' && r[0] !== pid) return; // still running
      process.off('SIGCHLD', look);
      clearInterval(backstop);
      resolve(r);
    };
    // Listening first, then looking: an exit between the two still wakes `look`.
    process.on('SIGCHLD', look);
    backstop = setInterval(look, BACKSTOP_MS);
    look();
  });
}
