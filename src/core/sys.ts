/**
 * runj's own Node-API addon, native/runj-sys.node (native/sys_addon.c): the
 * system calls every container operation makes and Node lacks. It loads in
 * ~0.1 ms where koffi costs ~5 ms (docs/performance.md), so the commands
 * that lock a container do not load an FFI. Each function returns 0 or more,
 * or -errno.
 */
import { RuntimeError } from './errors.js';
import { nativeFile } from './native.js';
import { mark } from './trace.js';

export interface Sys {
  /** flock(2); 0 or -errno. */
  flock(fd: number, op: number): number;
  /** socketpair(2): a connected AF_UNIX stream pair, both close-on-exec; or -errno. */
  socketpair(): [number, number] | number;
  /**
   * vfork + execve of `file` with `argv` (argv[0] included) and Node's
   * environment: child fd i is `fds[i]` (a closed source leaves it closed; every
   * other fd is closed), all signals default and unblocked, and a new
   * session when `newSession`. The child's pid once it has exec'd, or -errno
   * (its set-up or execve failed; it was reaped).
   */
  /** `sealed` (Linux, an ELF file): runs a sealed memfd copy of `file`, made by the addon (native/sealed.c). */
  spawn(file: string, argv: readonly string[], fds: readonly number[], newSession: boolean, sealed?: boolean): number;
  /** poll(2) of one fd for input: its revents once it has any (POLLIN, POLLHUP...), 0 after timeoutMs, or -errno (-EINTR included). */
  poll(fd: number, timeoutMs: number): number;
  /** waitpid(2): [pid, 0 running (noHang) | 1 exited | 2 signalled, status or signal]; or -errno. */
  waitpid(pid: number, noHang: boolean): [number, number, number] | number;
  /**
   * A blocking waitpid(pid) during which each of SIGINT, SIGTERM, SIGHUP,
   * SIGQUIT, SIGUSR1, SIGUSR2 and SIGWINCH that reaches runj is passed on to
   * pid; runj's own dispositions are back before pid is reaped. As waitpid.
   */
  waitForwarding(pid: number): [number, number, number] | number;
  /**
   * The whole regular file mapped (private: a write is this process's own copy); -errno
   * (-EINVAL for an empty file or not a regular one); undefined where Node gives no
   * external ArrayBuffers. Mapped for the life of the process (native/sys_map.c).
   */
  mapFile(path: string): ArrayBuffer | number | undefined;
  /** The bytes start..end of a mapFile buffer as a one-byte string over them (no copy); undefined where Node has no external strings. */
  latin1(buffer: ArrayBuffer, start: number, end: number): string | undefined;
  /**
   * _exit(2) with `status` (0-255), fds 0-2 first put back as they were when the addon loaded:
   * no 'exit' handler, no teardown of Node's threads and heap. Optional: an addon older than
   * this runj lacks it, and runj then ends through Node (src/cli/entry.ts).
   */
  exit?(status: number): never;
}

let cached: Sys | undefined;

/**
 * The addon: the launcher's (dist/runj.cjs loads it first, to map the bundles), else
 * loaded on first use from native/ above this file (the build tree).
 */
export function sys(): Sys {
  if (cached) return cached;
  const launched = launcherSys();
  if (launched) return (cached = complete(launched, 'runj-sys.node'));
  const file = addonPath();
  const mod = { exports: {} as Sys };
  try {
    process.dlopen(mod, file);
  } catch (err) {
    throw new RuntimeError('ESYSTEM', `load ${file}: ${(err as Error).message}`);
  }
  cached = complete(mod.exports, file);
  mark('sys.load');
  return cached;
}

/** The addon if this process has it already (the launcher's, or loaded on first use), without loading it. */
export function loadedSys(): Sys | undefined {
  return cached ?? launcherSys();
}

/** The addon the launcher loaded (build/launcher.cjs), if it did. */
function launcherSys(): Sys | undefined {
  return (globalThis as Record<symbol, unknown>)[Symbol.for('runj.sys')] as Sys | undefined;
}

const FUNCTIONS: readonly (keyof Sys)[] = ['flock', 'socketpair', 'spawn', 'waitpid', 'waitForwarding', 'mapFile', 'latin1', 'poll'];

/** The addon, if it has every function this runj calls: a stale build fails here, before any container is touched. */
function complete(addon: Sys, file: string): Sys {
  for (const name of FUNCTIONS) {
    if (typeof addon[name] !== 'function') throw new RuntimeError('ESYSTEM', `${file} is older than this runj (no ${name}): rebuild it with \`make -C native\``);
  }
  return addon;
}

function addonPath(): string {
  const file = nativeFile('runj-sys.node');
  if (!file) throw new RuntimeError('ESYSTEM', 'runj-sys.node not found: build it with `make -C native`');
  return file;
}
