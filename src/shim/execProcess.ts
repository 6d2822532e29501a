/**
 * One exec'd process of a container, from Exec to Delete: registered by
 * Exec (nothing runs yet), spawned by Start as the shim's own child (the
 * helper in `mode run`, whose parent half exits with the process's status),
 * ended when that child exits. Wait may come before Start, so `exited` is
 * settled by the exit, whenever it comes.
 */
import type { Process } from '../plan/spec.js';
import type { HelperChannel } from '../runtime/helper.js';
import type { OpenStdio, StdioPaths } from './stdio.js';
import { type Exit, exitStatus } from './exit.js';

export class ExecProcess {
  pid = 0;
  exit: Exit | undefined;
  /** Start is under way (a second Start is refused, Delete waits for it to settle). */
  starting = false;
  /** TaskExecStarted is published: TaskExit may follow. */
  started = false;
  exitPublished = false;
  helper: HelperChannel | undefined;
  /** The helper while Start runs, before `helper` is set. */
  launching: HelperChannel | undefined;
  stdio: OpenStdio | undefined;
  readonly exited: Promise<Exit>;
  private settle: (e: Exit) => void = () => {};

  constructor(
    readonly containerId: string,
    readonly id: string,
    readonly io: StdioPaths,
    readonly terminal: boolean,
    /** The OCI process; a ResizePty before Start sets its consoleSize. */
    readonly proc: Process,
  ) {
    this.exited = new Promise((r) => {
      this.settle = r;
    });
  }

  /** Start succeeded: the process runs as `pid`; its helper's exit is its exit. */
  running(helper: HelperChannel, pid: number, stdio: OpenStdio, now: () => number, onExit: (e: ExecProcess) => void): void {
    this.helper = helper;
    this.stdio = stdio;
    this.pid = pid;
    this.started = true;
    void helper.exited().then((x) => {
      this.exit = { status: exitStatus(x), at: now() };
      stdio.closeStdin(); // nothing reads it any more
      this.settle(this.exit);
      onExit(this);
    });
  }

  /** The window size: applied to the relayed pty once it runs, else the size it starts with. */
  resize(rows: number, cols: number): void {
    if (this.helper) this.helper.resize(rows, cols);
    else this.proc.consoleSize = { height: rows, width: cols };
  }
}
