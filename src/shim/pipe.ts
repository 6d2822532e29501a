/**
 * pipe2(2) through koffi: Node has no pipe(), and the pipes libuv makes for a
 * child's stdio are socketpairs, which a container cannot reopen through
 * /dev/stdout (/proc/self/fd/1 of a socket fails with ENXIO: nginx's log
 * symlinks would break). Both ends are close-on-exec, so no child inherits
 * them by accident; spawn's stdio mapping dup2s the ends it is given.
 */
import { RuntimeError } from '../core/errors.js';
import { koffi, libcName } from '../core/koffi.js';

// O_CLOEXEC differs: Linux <asm-generic/fcntl.h>, FreeBSD <sys/fcntl.h>.
const O_CLOEXEC = process.platform === 'freebsd' ? 0x0010_0000 : 0o2000000;

let pipe2: ((fds: Int32Array, flags: number) => number) | undefined;

/** [read end, write end], both blocking and close-on-exec. */
export function makePipe(): [number, number] {
  pipe2 ??= koffi().load(libcName()).func('int pipe2(_Out_ int *fds, int flags)') as (fds: Int32Array, flags: number) => number;
  const fds = new Int32Array(2);
  if (pipe2(fds, O_CLOEXEC) !== 0) throw new RuntimeError('ESYSTEM', `pipe2: errno ${koffi().errno() as number}`);
  return [fds[0] as number, fds[1] as number];
}
