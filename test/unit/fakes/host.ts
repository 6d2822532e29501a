/**
 * A recording fake of everything the runtime reaches through RuntimeContext:
 * a process table (pids, start times, signals), a backend (FakeSandbox:
 * what setUp made is a "jail" with mounts), the native helper (FakeHelper:
 * speaks the protocol as a script says, dies where told), hook runs and
 * exec.fifo, and a clock whose sleeps advance virtual time at once. Every
 * effect lands in `events`, and `leftovers()` says what is still there, so a
 * test asserts what a failed operation left behind. No root needed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { HelperRecord } from '../../../src/backend/protocol.js';
import { RuntimeError } from '../../../src/core/errors.js';
import type { Clock } from '../../../src/core/time.js';
import { emptyPolicy } from '../../../src/plan/policy.js';
import type { Hook } from '../../../src/plan/spec.js';
import { type RuntimeContext, createContext } from '../../../src/runtime/context.js';
import type { FifoResult } from '../../../src/runtime/fifo.js';
import type { HelperChannel, HelperEvent, HelperExit } from '../../../src/runtime/helper.js';
import { HelperEvents } from '../../../src/runtime/helperEvents.js';
import { FORWARDED_SIGNALS } from '../../../src/runtime/helperChannel.js';
import { FakeSandbox } from './sandbox.js';

export interface FakeProcess {
  pid: number;
  startTime: string;
  state: 'alive' | 'zombie' | 'gone';
  /** The container it belongs to (killAll and listPids find it by this). */
  container: string | undefined;
  /** Signals it got, in order. */
  signals: number[];
  /** Ignores SIGKILL (a process stuck in the kernel). */
  unkillable?: boolean;
  frozen?: boolean;
  /** A relaying parent half: the catchable signals it gets go on to this process (native/relay.c). */
  forwardTo?: FakeProcess;
  /** Exit status when it ends (run, exec): set by exit(). */
  exit?: HelperExit;
  onExit: (() => void)[];
}

const SIGNUM: Record<string, number> = { SIGKILL: 9, SIGTERM: 15, SIGINT: 2, SIGHUP: 1, SIGSTOP: 19, SIGCONT: 18, SIGUSR1: 10 };
/** What native/relay.c forwards: SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH. */
const RELAYED = new Set([2, 15, 1, 3, 10, 12, 28]);
const signum = (s: number | string): number => (typeof s === 'number' ? s : (SIGNUM[s] ?? os.constants.signals[s as NodeJS.Signals]));

/** Sleep advances virtual time; the real event loop still turns (setImmediate) so I/O and other promises run. */
export class FakeClock implements Clock {
  t = Date.parse('2026-01-01T00:00:00Z');
  now = (): number => this.t;
  sleep = (ms: number): Promise<void> => {
    this.t += ms;
    return new Promise((r) => setImmediate(r));
  };
}

/** Where the fake helper stops or fails: at one protocol step. */
export type HelperScript = {
  /** Dies (the channel ends, its process is gone) just before sending this message. */
  dieBefore?: 'pid' | 'hooks' | 'ready';
  /** Sends an error message instead of this one. */
  errorAt?: 'pid' | 'hooks' | 'ready';
  /** The error start reads back from exec.fifo (a failed startContainer hook or execve). */
  startError?: string;
  /** The init is gone by the time start opens the fifo. */
  exitBeforeStart?: boolean;
};

export class FakeHost {
  readonly procs = new Map<number, FakeProcess>();
  readonly events: string[] = [];
  readonly clock = new FakeClock();
  readonly sandbox: FakeSandbox;
  readonly helpers: FakeHelper[] = [];
  /**
   * `mode run` helpers get a relaying parent half of their own, in the container
   * (the real one joins the cgroup or jail before it forks), alive until the process ends.
   */
  relayHalves = false;
  /** What the next helper does; reset after each spawn unless `sticky`. */
  script: HelperScript = {};
  /** Hooks: by path, what a run does ('ok', 'fail', 'timeout'); the default is ok. */
  hookResults = new Map<string, 'ok' | 'fail' | 'timeout'>();
  private nextPid = 1000;

  constructor(readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-fake-'))) {
    this.sandbox = new FakeSandbox(this);
  }

  spawn(container: string | undefined): FakeProcess {
    const pid = this.nextPid++;
    const p: FakeProcess = { pid, startTime: `t${pid}`, state: 'alive', container, signals: [], onExit: [] };
    this.procs.set(pid, p);
    return p;
  }

  /** The process ends (exit code or signal), its waiters are told; 'zombie' keeps the pid unreaped. */
  exit(p: FakeProcess, exit: HelperExit, as: 'gone' | 'zombie' = 'gone'): void {
    if (p.state !== 'alive') return;
    p.state = as;
    p.exit = exit;
    for (const f of p.onExit.splice(0)) f();
  }

  processInfo = (pid: number) => {
    const p = this.procs.get(pid);
    return p && p.state !== 'gone' ? { startTime: p.startTime, zombie: p.state === 'zombie' } : undefined;
  };

  signal = (pid: number, sig: number | NodeJS.Signals): void => {
    const p = this.procs.get(pid);
    if (!p || p.state === 'gone') throw Object.assign(new Error(`kill ${pid}: ESRCH`), { code: 'ESRCH' });
    const n = signum(sig);
    if (n === 0) return;
    p.signals.push(n);
    this.events.push(`signal ${pid} ${n}`);
    if (p.state !== 'alive') return;
    if (p.forwardTo && RELAYED.has(n)) {
      if (p.forwardTo.state !== 'gone') this.signal(p.forwardTo.pid, n);
      return;
    }
    if (n === 9 && !p.unkillable) this.exit(p, { code: null, signal: 'SIGKILL' });
    else if ((n === 15 || n === 2 || n === 1) && !p.frozen) this.exit(p, { code: null, signal: n === 15 ? 'SIGTERM' : n === 2 ? 'SIGINT' : 'SIGHUP' });
  };

  runHook = async (stage: string, hook: Hook, state: string): Promise<void> => {
    const what = this.hookResults.get(hook.path) ?? 'ok';
    this.events.push(`hook ${stage} ${hook.path} ${JSON.parse(state).status}`);
    if (what === 'fail') throw new RuntimeError('EHOOK', `${stage} hook ${hook.path}: exit status 1`);
    if (what === 'timeout') throw new RuntimeError('EHOOK', `${stage} hook ${hook.path}: timed out after ${hook.timeout}s`);
  };

  spawnHelper = async (preserveFds: number): Promise<HelperChannel> => {
    const h = new FakeHelper(this, this.script, preserveFds);
    this.script = {};
    this.helpers.push(h);
    return h;
  };

  /** The start side of exec.fifo: the parked helper's init execs, or reports its error. */
  releaseFifo = (file: string, alive: () => boolean): FifoResult => {
    if (!fs.existsSync(file)) throw new RuntimeError('EBADSTATE', 'cannot start an already running container');
    const h = this.helpers.find((x) => x.fifo === file);
    this.events.push(`fifo ${path.basename(path.dirname(file))}`);
    if (!h || !alive()) throw new RuntimeError('EHELPER', 'container init exited before start');
    if (h.script.startError) {
      if (h.init) this.exit(h.init, { code: 1, signal: null });
      return { error: { msg: h.script.startError, stage: 'exec' } };
    }
    h.started = true;
    return { error: undefined };
  };

  /** A context whose every system effect lands here; `over` replaces parts. */
  context(over: Partial<Parameters<typeof createContext>[0]> = {}): Promise<RuntimeContext> {
    return createContext({
      root: this.root,
      platform: 'fake',
      backend: async (platform) => {
        if (platform !== 'fake') throw new Error(`no backend for platform ${platform}`);
        return this.sandbox;
      },
      processInfo: this.processInfo,
      signal: this.signal,
      clock: this.clock,
      spawnHelper: this.spawnHelper,
      runHook: this.runHook,
      releaseFifo: this.releaseFifo,
      policy: () => emptyPolicy,
      ...over,
    });
  }

  alive(container?: string): FakeProcess[] {
    return [...this.procs.values()].filter((p) => p.state === 'alive' && (container === undefined || p.container === container));
  }

  /** Everything still there: live processes, backend resources, state directories. */
  leftovers(): { processes: number[]; jails: string[]; dirs: string[] } {
    return {
      processes: this.alive().map((p) => p.pid),
      jails: [...this.sandbox.jails.keys()],
      dirs: fs.existsSync(this.root) ? fs.readdirSync(this.root) : [],
    };
  }
}

/** The native helper as a script: one protocol conversation (native/README.md), no process. */
export class FakeHelper implements HelperChannel {
  readonly sent: HelperRecord[] = [];
  init: FakeProcess | undefined;
  fifo: string | undefined;
  started = false;
  detached = false;
  /** The relaying parent half (FakeHost.relayHalves), whose pid is the helper's. */
  relay: FakeProcess | undefined;
  /** `winsize` records sent by resize(). */
  readonly sizes: [number, number][] = [];
  private readonly events = new HelperEvents();
  private container: string | undefined;

  constructor(
    private readonly host: FakeHost,
    readonly script: HelperScript,
    readonly preserveFds: number,
  ) {}

  private push(e: HelperEvent): void {
    this.events.push(e);
  }

  /** Sends `type` unless the script says to die or fail there; false when the conversation is over. */
  private step(type: 'pid' | 'hooks' | 'ready', message: HelperEvent): boolean {
    if (this.script.dieBefore === type) {
      if (this.init) this.host.exit(this.init, { code: null, signal: 'SIGKILL' });
      this.push({ type: 'eof' });
      return false;
    }
    if (this.script.errorAt === type) {
      if (this.init) this.host.exit(this.init, { code: 1, signal: null });
      this.push({ type: 'error', stage: type, msg: `helper failed at ${type}`, errno: 5 });
      this.push({ type: 'eof' });
      return false;
    }
    this.push(message);
    return true;
  }

  send(records: readonly HelperRecord[]): void {
    this.sent.push(...records);
    const kinds = records.map((r) => r[0]);
    if (kinds.includes('end')) {
      const exec = kinds.includes('exec');
      const fifoDir = records.find((r) => r[0] === 'fifo-dir')?.[1];
      this.container = exec ? undefined : path.basename(String(fifoDir));
      const jail = records.find((r) => r[0] === 'jail')?.[1];
      if (!exec) {
        // The helper makes exec.fifo before it forks (native/README.md, step 2).
        this.fifo = path.join(String(fifoDir), 'exec.fifo');
        fs.writeFileSync(this.fifo, '');
      }
      const container = exec && typeof jail === 'number' ? this.host.sandbox.byJid(jail) : this.container;
      if (this.host.relayHalves && records.some((r) => r[0] === 'mode' && r[1] === 'run')) {
        this.relay = this.host.spawn(container);
      }
      this.init = this.host.spawn(container);
      const { relay, init } = this;
      if (relay) relay.forwardTo = init;
      if (relay) init.onExit.push(() => this.host.exit(relay, init.exit ?? { code: 0, signal: null }));
      this.host.events.push(`helper ${exec ? 'exec' : 'create'} ${this.init.pid}`);
      if (!this.step('pid', { type: 'pid', pid: this.init.pid })) return;
      if (exec) {
        this.started = true;
        this.step('ready', { type: 'ready' });
      } else this.step('hooks', { type: 'hooks' });
    } else if (kinds.includes('continue')) {
      if (this.script.exitBeforeStart && this.init) this.host.exit(this.init, { code: 0, signal: null });
      this.step('ready', { type: 'ready' });
    }
  }

  next(): Promise<HelperEvent> {
    return this.events.next();
  }

  detach(): void {
    this.detached = true;
  }

  kill(): void {
    this.host.events.push('helper killed');
    if (this.init) this.host.exit(this.init, { code: null, signal: 'SIGKILL' });
    this.push({ type: 'eof' });
  }

  get pid(): number | undefined {
    return this.relay?.pid;
  }

  resize(rows: number, cols: number): void {
    this.sizes.push([rows, cols]);
  }

  /** With `forward`, the signals runj gets go to the helper (its relaying half, else the process) until the exit. */
  exited(forward = false): Promise<HelperExit> {
    const p = this.init;
    if (p?.state !== 'alive') return Promise.resolve(p?.exit ?? { code: null, signal: 'SIGKILL' });
    const to = this.relay ?? p;
    const pass = (sig: NodeJS.Signals) => this.host.signal(to.pid, sig);
    if (forward) for (const s of FORWARDED_SIGNALS) process.on(s, pass);
    return new Promise((r) =>
      p.onExit.push(() => {
        for (const s of FORWARDED_SIGNALS) process.off(s, pass);
        r(p.exit ?? { code: 0, signal: null });
      }),
    );
  }
}
