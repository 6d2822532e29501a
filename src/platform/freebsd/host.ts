/**
 * What the FreeBSD backend runs against: the system calls of ffi.ts, a
 * command runner, devfs control and a sleeper, as interfaces, so tests
 * put the libjailtest double (or a recording fake) underneath.
 */
import type { CommandRunner, DevfsControl } from './commands.js';
import type { Sleeper } from './devfsRulesets.js';
import type { IovPair } from './iov.js';
import type { KinfoProc } from './kinfo.js';
import type { FsSyscalls } from './mountpoint.js';

/** The system calls of ffi.ts, as an interface. */
export interface Syscalls extends FsSyscalls {
  jailSet(pairs: readonly IovPair[], flags: number, what?: string): number;
  jailGet(pairs: readonly IovPair[], flags: number, what?: string): { jid: number; values: (Buffer | null)[] };
  jailRemove(jid: number): void;
  nmount(pairs: readonly IovPair[], flags: number, what?: string): void;
  unmount(dir: string, flags: number): void;
  kill(pid: number, signal: number): void;
  allProcs(): KinfoProc[];
  racctEnabled(): boolean | undefined;
  rctlAddRule(rule: string): void;
  rctlRemoveRule(filter: string): void;
  rctlGetRacct(filter: string): string;
  rctlGetRules(filter: string): string;
}

export interface Host {
  sys: Syscalls;
  run: CommandRunner;
  devfs?: DevfsControl;
  rundir: string;
  sleep?: Sleeper;
}
