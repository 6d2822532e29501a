/**
 * The FreeBSD backend's system side: executes a FreeBSDPlan (setUp) and
 * undoes it (tearDown), signals and lists a jail's processes. Every system
 * access goes through the Host so tests can run it against libjailtest and
 * a recording command runner.
 *
 * setUp order: devfs ruleset, read-only root view, parent's children.max,
 * jail_set(JAIL_CREATE), mounts in order, interface aliases, vnet moves.
 * A failure undoes the steps done so far (tearDown of the partial record).
 *
 * tearDown order: give vnet interfaces back, jail_remove (kills every
 * process), remove the aliases runj added, unmount in reverse order
 * (retrying while dying processes still hold a mount, then MNT_FORCE),
 * remove the mount points runj created, lower the parent's children.max.
 * It attempts every step, reports all failures together, and is safe to
 * repeat: a jail is only removed after jail_get shows the recorded jid still
 * carries the recorded name.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RuntimeError, systemError } from '../../runtime/errors.js';
import { type CommandRunner, type DevfsControl, devfsControl, mustRun } from './commands.js';
import { allocateRuleset, type Sleeper, sleepSync } from './devfsRulesets.js';
import { E } from './errno.js';
import type { SyscallError } from './ffi.js';
import { type Alias, type IovPair, JAIL_CREATE, JAIL_UPDATE, type JailParam, encodeParams, int32, readInt32 } from './jailParams.js';
import type { KinfoProc } from './kinfo.js';
import { MNT, type MountStep } from './mounts.js';
import { IFCONFIG, aliasAddArgs, aliasRemoveArgs, interfaceHasAddress, vnetMoveArgs, vnetReturnArgs } from './network.js';
import { removeCreated, resolveInRoot } from './paths.js';
import type { FreeBSDPlan } from './translate.js';

/** The system calls of ffi.ts, as an interface. */
export interface Syscalls {
  jailSet(pairs: readonly IovPair[], flags: number, what?: string): number;
  jailGet(pairs: readonly IovPair[], flags: number, what?: string): { jid: number; values: (Buffer | null)[] };
  jailRemove(jid: number): void;
  nmount(pairs: readonly IovPair[], flags: number, what?: string): void;
  unmount(dir: string, flags: number): void;
  /** getfsstat(2) mount points (recovery without a record); optional for older hosts' doubles. */
  mountPoints?(): string[];
  kill(pid: number, signal: number): void;
  allProcs(): KinfoProc[];
}

export interface Host {
  sys: Syscalls;
  run: CommandRunner;
  devfs?: DevfsControl;
  rundir: string;
  sleep?: Sleeper;
}

/** What setUp did; saved in state.json and handed back to tearDown. */
export interface SetUpData {
  jailName: string;
  /** 0 until jail_set succeeded. */
  jid: number;
  devfsRuleset?: number;
  /** fspaths in mount order (the root view first). */
  mounted: string[];
  /** Host paths runj created, in creation order. */
  created: string[];
  aliases: Alias[];
  moved: string[];
  /** children.max was raised by one on this parent. */
  parentRaised?: string;
}

const str = (s: string) => Buffer.from(`${s}\0`);
const int = int32;
const pair = (name: string, value: Buffer | null): IovPair => ({ name: str(name), value });
const errnoOf = (err: unknown) => (err as SyscallError | undefined)?.errno;

function mountPairs(step: MountStep, fspath: string, ruleset: number | undefined): IovPair[] {
  const pairs = [pair('fstype', str(step.fstype)), pair('fspath', str(fspath))];
  pairs.push(pair(step.fstype === 'nullfs' ? 'target' : 'from', str(step.source)));
  for (const [k, v] of step.options) pairs.push(pair(k, v === null ? null : str(v)));
  if (step.devfs && ruleset !== undefined) pairs.push(pair('ruleset', str(String(ruleset))));
  return pairs;
}

function mkdirs(dir: string, created: string[]): void {
  const missing: string[] = [];
  for (let d = dir; !fs.existsSync(d); d = path.dirname(d)) missing.unshift(d);
  for (const d of missing) {
    fs.mkdirSync(d, { mode: 0o700 });
    created.push(d);
  }
}

function raiseChildrenMax(host: Host, parent: string): boolean {
  const r = host.sys.jailGet([pair('name', str(parent)), pair('children.max', int(0)), pair('children.cur', int(0))], 0, `jail_get ${parent}`);
  const max = readInt32(r.values[1] as Buffer);
  const cur = readInt32(r.values[2] as Buffer);
  if (cur < max) return false;
  host.sys.jailSet([pair('name', str(parent)), pair('children.max', int(cur + 1))], JAIL_UPDATE, `raise children.max of ${parent}`);
  return true;
}

function lowerChildrenMax(host: Host, parent: string): void {
  let max: number;
  let cur: number;
  try {
    const r = host.sys.jailGet([pair('name', str(parent)), pair('children.max', int(0)), pair('children.cur', int(0))], 0, `jail_get ${parent}`);
    max = readInt32(r.values[1] as Buffer);
    cur = readInt32(r.values[2] as Buffer);
  } catch (err) {
    if (errnoOf(err) === E.ENOENT) return; // the parent is gone
    throw err;
  }
  const want = Math.max(cur, max - 1, 0);
  if (want < max) host.sys.jailSet([pair('name', str(parent)), pair('children.max', int(want))], JAIL_UPDATE, `lower children.max of ${parent}`);
}

export function setUpFreeBSD(plan: FreeBSDPlan, host: Host): SetUpData {
  const done: SetUpData = { jailName: plan.jail.name, jid: 0, mounted: [], created: [], aliases: [], moved: [] };
  try {
    if (plan.devfs) done.devfsRuleset = allocateRuleset(plan.devfs, host.rundir, host.devfs ?? devfsControl(host.run), host.sleep);
    let rootfs: string;
    try {
      rootfs = fs.realpathSync(plan.rootfs);
    } catch (err) {
      throw systemError(`root ${plan.rootfs}`, err);
    }
    let jailRoot = rootfs;
    const steps = plan.mounts.filter((s) => s.origin !== 'root');
    const view = plan.mounts.find((s) => s.origin === 'root');
    if (view && plan.view) {
      mkdirs(plan.view, done.created);
      host.sys.nmount(mountPairs({ ...view, source: rootfs }, plan.view, undefined), view.flags, `read-only view of ${rootfs}`);
      done.mounted.push(plan.view);
      jailRoot = plan.view;
    }
    if (plan.jail.parent && raiseChildrenMax(host, plan.jail.parent)) done.parentRaised = plan.jail.parent;
    const params: JailParam[] = plan.jail.params.map((p) => (p.name === 'path' ? { ...p, value: jailRoot } : p)) as JailParam[];
    if (plan.jail.devfsRulesetParam && done.devfsRuleset !== undefined) params.push({ name: 'devfs_ruleset', type: 'int', value: done.devfsRuleset });
    done.jid = host.sys.jailSet(encodeParams(params), JAIL_CREATE, `create jail ${plan.jail.name}`);
    for (const step of steps) {
      let kind: 'dir' | 'file' = 'dir';
      if (step.mountpoint === 'source') {
        try {
          kind = fs.statSync(step.source).isDirectory() ? 'dir' : 'file';
        } catch (err) {
          throw systemError(`mounts/${step.origin}: source ${step.source}`, err);
        }
      }
      const target = resolveInRoot(jailRoot, step.destination, { create: kind, created: done.created, ...(plan.view && { fallbackRoot: rootfs }) });
      host.sys.nmount(mountPairs(step, target, done.devfsRuleset), step.flags, `mount ${step.fstype} on ${step.destination}`);
      done.mounted.push(target);
    }
    for (const a of plan.network.aliases) {
      if (interfaceHasAddress(mustRun(host.run, IFCONFIG, [a.iface]), a)) continue; // not runj's to remove later
      mustRun(host.run, IFCONFIG, aliasAddArgs(a));
      done.aliases.push(a);
    }
    for (const iface of plan.network.vnetInterfaces) {
      mustRun(host.run, IFCONFIG, vnetMoveArgs(iface, done.jid));
      done.moved.push(iface);
    }
    return done;
  } catch (err) {
    try {
      tearDownFreeBSD(done, host);
    } catch (undo) {
      if (err instanceof Error) err.message += `; undoing the partial setup also failed: ${(undo as Error).message}`;
    }
    throw err;
  }
}

/** The recorded jid if it still names the recorded jail, else undefined (gone, or the jid was reused). */
export function liveJid(data: Pick<SetUpData, 'jid' | 'jailName'>, host: Host): number | undefined {
  if (!data.jid) return undefined;
  try {
    const r = host.sys.jailGet([pair('jid', int(data.jid)), pair('name', Buffer.alloc(256))], 0, `jail_get ${data.jid}`);
    const buf = r.values[1] as Buffer;
    const name = buf.subarray(0, buf.indexOf(0)).toString('utf8');
    return name === data.jailName ? data.jid : undefined;
  } catch (err) {
    if (errnoOf(err) === E.ENOENT) return undefined;
    throw err;
  }
}

export function unmountPatiently(host: Host, dir: string): void {
  const sleep = host.sleep ?? sleepSync;
  for (let attempt = 0; ; attempt++) {
    try {
      host.sys.unmount(dir, attempt < 20 ? 0 : MNT.FORCE);
      return;
    } catch (err) {
      const e = errnoOf(err);
      if (e === E.EINVAL || e === E.ENOENT) return; // not mounted (any more)
      if (e !== E.EBUSY || attempt >= 20) throw err;
      sleep(50); // processes of a removed jail are still exiting
    }
  }
}

export function tearDownFreeBSD(data: SetUpData, host: Host): void {
  const errors: string[] = [];
  const attempt = (f: () => void) => {
    try {
      f();
    } catch (err) {
      errors.push((err as Error).message);
    }
  };
  attempt(() => {
    const jid = liveJid(data, host);
    if (jid === undefined) return;
    for (const iface of [...(data.moved ?? [])].reverse()) attempt(() => mustRun(host.run, IFCONFIG, vnetReturnArgs(iface, jid)));
    try {
      host.sys.jailRemove(jid);
    } catch (err) {
      if (errnoOf(err) !== E.EINVAL) throw err;
    }
  });
  for (const a of [...(data.aliases ?? [])].reverse()) {
    attempt(() => {
      if (interfaceHasAddress(mustRun(host.run, IFCONFIG, [a.iface]), a)) mustRun(host.run, IFCONFIG, aliasRemoveArgs(a));
    });
  }
  for (const dir of [...(data.mounted ?? [])].reverse()) attempt(() => unmountPatiently(host, dir));
  errors.push(...removeCreated(data.created ?? []));
  if (data.parentRaised) attempt(() => lowerChildrenMax(host, data.parentRaised as string));
  if (errors.length) throw new RuntimeError('ESYSTEM', `removing jail ${data.jailName}: ${errors.join('; ')}`);
}

/** Host pids of every process in the jail. */
export function jailPids(data: Pick<SetUpData, 'jid' | 'jailName'>, host: Host): number[] {
  const jid = liveJid(data, host);
  if (jid === undefined) return [];
  return [...new Set(host.sys.allProcs().filter((p) => p.jid === jid).map((p) => p.pid))];
}

/** kill(2) to every process in the jail; processes that exit meanwhile are skipped. */
export function signalJail(data: Pick<SetUpData, 'jid' | 'jailName'>, host: Host, signal: number): void {
  for (const pid of jailPids(data, host)) {
    try {
      host.sys.kill(pid, signal);
    } catch (err) {
      if (errnoOf(err) !== E.ESRCH) throw err;
    }
  }
}

