/**
 * One container the shim serves: what Create was given, and its init's exit.
 * The helper runs in `mode run` as the shim's own child, so its exit is the
 * container's (the helper's parent half waits for the init and exits with
 * its status, or 128+signal): libuv reports it, no wait4(-1) that would
 * steal other children's exits.
 */
import type { HelperChannel } from '../runtime/helper.js';
import { type Exit, exitStatus } from './exit.js';
import type { ExecProcess } from './execProcess.js';
import type { OpenStdio, StdioPaths } from './stdio.js';

export { type Exit, exitStatus };

export class Task {
  exit: Exit | undefined;
  /** Start has published TaskStart: TaskExit may follow (containerd requires the order). */
  started = false;
  exitPublished = false;
  readonly exited: Promise<Exit>;
  /** Its exec'd processes by exec id (execs.ts). */
  readonly execs = new Map<string, ExecProcess>();

  constructor(
    readonly id: string,
    readonly bundle: string,
    readonly pid: number,
    readonly io: StdioPaths & { terminal: boolean },
    readonly stdio: OpenStdio,
    readonly mounted: boolean,
    /** The init's helper: its parent half relays the exit (and the terminal: ResizePty). */
    readonly helper: HelperChannel,
    now: () => number,
    onExit: (t: Task) => void,
  ) {
    this.exited = helper.exited().then((e) => {
      this.exit = { status: exitStatus(e), at: now() };
      stdio.closeStdin(); // nothing reads it any more
      onExit(this);
      return this.exit;
    });
  }
}
