/**
 * The FreeBSD backend's system side: executes a FreeBSDPlan (setUp) and
 * undoes it (tearDown), signals and lists a jail's processes. Every system
 * access goes through the Host so tests can run it against libjailtest and
 * a recording command runner.
 *
 * setUp order: devfs ruleset, read-only root view, jail_set(JAIL_CREATE),
 * rctl rules, mounts in order, interface aliases, vnet moves (RACCT is
 * checked first when there are limits). A parent jail's
 * children.max is left alone: kern_jail_set() (sys/kern/kern_jail.c) checks
 * pr_childcount against pr_childmax along the caller's prison chain only
 * (the host's limit is JAIL_MAX), and raising a parent's limit needs it below
 * the grandparent's (EPERM otherwise, from the host as well as in a jail).
 * A failure undoes the steps done so far (tearDown of the partial record).
 *
 * tearDown order: give vnet interfaces back, jail_remove (kills every
 * process), remove the aliases runj added, the jail's rctl rules (kept by
 * name after the jail is gone), unmount in reverse order
 * (retrying while dying processes still hold a mount, then MNT_FORCE),
 * remove the mount points runj created.
 * It attempts every step, reports all failures together, and is safe to
 * repeat: a jail is only removed after jail_get shows the recorded jid still
 * carries the recorded name.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RuntimeError, systemError } from '../../core/errors.js';
import { devfsControl, mustRun } from './commands.js';
import { allocateRuleset, sleepSync } from './devfsRulesets.js';
import { E } from './errno.js';
import type { SyscallError } from './ffi.js';
import type { Alias, JailParam } from './jailParams.js';
import type { Host } from './host.js';
import { type IovPair, JAIL_CREATE, encodeParams, int32 } from './iov.js';
import { MNT, type MountStep } from './mounts.js';
import { fsKey, mountAt, resolveMountPoint } from './mountpoint.js';
import { IFCONFIG, aliasAddArgs, aliasRemoveArgs, interfaceHasAddress, vnetMoveArgs, vnetReturnArgs } from './network.js';
import { checkNullfsTarget, explainNullfsTarget, nullfsSourceKind } from './nullfsTarget.js';
import { removeCreated } from './paths.js';
import { addRules, removeAllRules, requireRacct } from './rctlHost.js';
import type { FreeBSDPlan } from './translate.js';

export type { Host, Syscalls } from './host.js';

/** What setUp did; saved in state.json and handed back to tearDown. */
export interface SetUpData {
  jailName: string;
  /** 0 until jail_set succeeded. */
  jid: number;
  devfsRuleset?: number;
  /** fspaths in mount order (the root view first). */
  mounted: string[];
  /** The fsid ("val0:val1") of each of `mounted`, by index; missing in records of older versions. */
  mountedFsids?: string[];
  /** Host paths runj created, in creation order. */
  created: string[];
  aliases: Alias[];
  moved: string[];
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

export function setUpFreeBSD(plan: FreeBSDPlan, host: Host): SetUpData {
  const done: SetUpData = { jailName: plan.jail.name, jid: 0, mounted: [], mountedFsids: [], created: [], aliases: [], moved: [] };
  const fsids = done.mountedFsids as string[];
  try {
    if (plan.rctl.length) requireRacct(host, 'config.json: /linux/resources');
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
      fsids[done.mounted.length - 1] = fsKey(host.sys.statfs(plan.view)); // runj's own directory: no race to check
      jailRoot = plan.view;
    }
    const params: JailParam[] = plan.jail.params.map((p) => (p.name === 'path' ? { ...p, value: jailRoot } : p)) as JailParam[];
    if (plan.jail.devfsRulesetParam && done.devfsRuleset !== undefined) params.push({ name: 'devfs_ruleset', type: 'int', value: done.devfsRuleset });
    done.jid = host.sys.jailSet(encodeParams(params), JAIL_CREATE, `create jail ${plan.jail.name}`);
    addRules(host, plan.jail.name, plan.rctl);
    for (const step of steps) {
      const kind = step.mountpoint === 'source' ? nullfsSourceKind(step) : 'dir';
      // Through fds and checked after the mount: a process renaming the
      // rootfs's directories must not get a mount onto a host path (mountpoint.ts).
      let rel: string[];
      try {
        rel = resolveMountPoint(host.sys, jailRoot, step.destination, kind, done.created, plan.view ? rootfs : undefined);
      } catch (err) {
        // A mount point of the wrong kind: say what nullfs would refuse, not only where the walk stopped.
        if (step.fstype === 'nullfs') explainNullfsTarget(step, kind, path.join(jailRoot, step.destination));
        throw err;
      }
      if (step.fstype === 'nullfs') checkNullfsTarget(step, kind, path.join(jailRoot, ...rel));
      const { target, fsid } = mountAt(host.sys, jailRoot, rel, kind, {
        what: `mount ${step.destination}`,
        fstype: step.fstype,
        source: step.source,
        mount: (t) => host.sys.nmount(mountPairs(step, t, done.devfsRuleset), step.flags, `mount ${step.fstype} on ${step.destination}`),
      });
      done.mounted.push(target);
      fsids[done.mounted.length - 1] = fsid;
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

/**
 * Unmounts a mount of setUp. With its fsid, by fsid (MNT_BYFSID): the path
 * may lead elsewhere by now (a process in the jail can swap a directory of
 * the rootfs for a symlink to a host path), and unmount(2) by path follows
 * symlinks. The fsid must still name a mount on that path (f_mntonname
 * keeps the path of the mount's time), else it is gone.
 */
export function unmountPatiently(host: Host, dir: string, fsid?: string): void {
  const sleep = host.sleep ?? sleepSync;
  let byFsid: [number, number] | undefined;
  if (fsid) {
    byFsid = host.sys.getfsstat().find((s) => fsKey(s) === fsid && s.on === dir)?.fsid;
    if (!byFsid) return;
  }
  for (let attempt = 0; ; attempt++) {
    try {
      const flags = attempt < 20 ? 0 : MNT.FORCE;
      if (byFsid) host.sys.unmountFsid(byFsid, flags, `unmount ${dir}`);
      else host.sys.unmount(dir, flags);
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
  attempt(() => removeAllRules(host, data.jailName));
  for (const [i, dir] of [...(data.mounted ?? []).entries()].reverse()) attempt(() => unmountPatiently(host, dir, data.mountedFsids?.[i]));
  errors.push(...removeCreated(data.created ?? []));
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

