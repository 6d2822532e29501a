/**
 * FreeBSD jail backend: the Sandbox the runtime talks to. prepare reads
 * runj.ext.json and plans everything (planFreeBSD, pure); setUp creates the
 * jail and its mounts, and the helper's `jail` record is made from the jail
 * id it returns; tearDown removes them; killAll and listPids find the jail's
 * processes through kern.proc. Nothing here enters the jail: the helper
 * does jail_attach.
 */
import * as fs from 'node:fs';
import type { HostPolicy } from '../../plan/policy.js';
import type { ContainerPlan, ProcessPlan } from '../../plan/types.js';
import { processRecords } from '../processRecords.js';
import { FREEBSD_RLIMITS } from './rlimits.js';
import { SIGNALS } from './abi.js';
import { rctlRules, unlimitedResources } from './rctl.js';
import { addRules, jailStats, removeRules, requireRacct } from './rctlHost.js';
import { RuntimeError } from '../../core/errors.js';
import type { ContainerRecord } from '../../backend/record.js';
import type { ProcessInfo, Sandbox } from '../../backend/sandbox.js';
import { execRunner } from './commands.js';
import { E } from './errno.js';
import { readRunjExt } from './ext.js';
import * as ffi from './ffi.js';
import { SZOMB, startToken } from './kinfo.js';
import { fsKey } from './mountpoint.js';
import { type Host, jailPids, setUpFreeBSD, signalJail, tearDownFreeBSD, unmountPatiently } from './system.js';
import { FREEBSD_MOUNT_OPTIONS } from './mounts.js';
import { mountRootfsFreeBSD, unmountRootfsFreeBSD } from './rootfs.js';
import { type FreeBSDSetUp, readFreeBSDRecovery, readFreeBSDSetUp } from './saved.js';
import { DEFAULT_RUNDIR, type FreeBSDPlan, explainedFreeBSDPlan, formatFreeBSDPlan, freebsdRecords, jailDir, planFreeBSD } from './translate.js';


/** Per-jail directories and the devfs ruleset registry: $RUNJ_FREEBSD_RUNDIR or /var/run/runj-freebsd. */
export function freebsdRundir(): string {
  return process.env.RUNJ_FREEBSD_RUNDIR || DEFAULT_RUNDIR;
}

export function defaultHost(): Host {
  return { sys: ffi, run: execRunner, rundir: freebsdRundir() };
}

/**
 * Start time (jail id and start since boot, startToken) and zombie state
 * from kern.proc.pid.<pid>. kern.boottime is read before and after: if a
 * clock step fell between, the pair is read again.
 */
export function freebsdProcessInfo(pid: number): ProcessInfo | undefined {
  for (let attempt = 0; attempt < 5; attempt++) {
    const boot = ffi.bootTime();
    const p = ffi.procByPid(pid);
    if (!p) return undefined;
    const after = ffi.bootTime();
    if (after.sec === boot.sec && after.usec === boot.usec) return { startTime: startToken(p, boot), zombie: p.stat === SZOMB };
  }
  throw new RuntimeError('ESYSTEM', `process ${pid}: the clock was stepped during every read of its start time`);
}

function setupOf(record: ContainerRecord) {
  return readFreeBSDSetUp(record.sandbox);
}

/** Where a container's mounts can be, for recovery without a record (saved in recovery.json). */
export interface JailPaths {
  /** The read-only view runj mounted as the jail's path (itself one of runj's mounts). */
  view?: string | undefined;
  /** The bundle's root: mounts strictly under it are the container's. */
  rootfs?: string | undefined;
}

/**
 * Teardown without a record: the jail is found by name (jail_get), its
 * processes killed and the jail removed; then every mount strictly under the
 * jail's path or the rootfs, and the view itself, is unmounted, last mounted
 * first (getfsstat(2) order). A devfs ruleset, mount points runj created,
 * interface aliases and a raised children.max are only in state.json and are
 * not recovered.
 */
export function recoverJail(name: string, paths: JailPaths, h: Host): void {
  const errors: string[] = [];
  const found = jailByName(name, h);
  if (found) {
    try {
      const data = { jid: found.jid, jailName: name, mounted: [], created: [], aliases: [], moved: [] };
      signalJail(data, h, SIGNALS.SIGKILL as number);
      tearDownFreeBSD(data, h);
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  const real = (p: string | undefined) => {
    try {
      return p && fs.realpathSync(p);
    } catch {
      return p;
    }
  };
  // Without recovery data, the view is where runj puts it for this jail name.
  const view = paths.view ?? `${jailDir(h.rundir, name)}/root`;
  const under = [found?.path, view, real(paths.rootfs)].filter((p): p is string => !!p && p !== '/');
  const ours = (m: string) => m === view || under.some((p) => m.startsWith(`${p}/`));
  // By fsid: a path under the rootfs may lead to a host mount by now.
  for (const m of h.sys.getfsstat().filter((s) => ours(s.on)).reverse()) {
    try {
      unmountPatiently(h, m.on, fsKey(m));
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  if (errors.length) throw new RuntimeError('ESYSTEM', `recovering jail ${name}: ${errors.join('; ')}`);
}

function jailByName(name: string, h: Host): { jid: number; path: string } | undefined {
  const z = (s: string) => Buffer.from(`${s}\0`);
  try {
    const r = h.sys.jailGet([{ name: z('name'), value: z(name) }, { name: z('path'), value: Buffer.alloc(1024) }], 0, `jail_get ${name}`);
    const buf = r.values[1] as Buffer;
    return { jid: r.jid, path: buf.subarray(0, buf.indexOf(0)).toString('utf8') };
  } catch (err) {
    if ((err as { errno?: number }).errno === E.ENOENT) return undefined;
    throw err;
  }
}

/** The sandbox, over a given host (tests pass one backed by libjailtest). */
export function makeFreeBSDSandbox(host: () => Host = defaultHost): Sandbox<FreeBSDPlan, FreeBSDSetUp> {
  return {
    platform: 'freebsd',
    prepare(plan: ContainerPlan, policy: HostPolicy) {
      const fp = planFreeBSD(plan, policy, readRunjExt(plan.bundle), { rundir: host().rundir });
      const recovery = { jailName: fp.jail.name, view: fp.view, rootfs: fp.rootfs };
      return { plan: fp, warnings: fp.warnings, debug: fp.debug, recovery };
    },
    async setUp(fp: FreeBSDPlan): Promise<FreeBSDSetUp> {
      return { jailName: fp.jail.name, view: fp.view, rootfs: fp.rootfs, setup: setUpFreeBSD(fp, host()) };
    },
    records(fp: FreeBSDPlan, done: FreeBSDSetUp) {
      return freebsdRecords(fp, done.setup.jid);
    },
    async tearDown(record: ContainerRecord) {
      const setup = setupOf(record);
      if (setup) tearDownFreeBSD(setup, host());
    },
    async recover(id: string, recovery: unknown) {
      const r = readFreeBSDRecovery(recovery);
      recoverJail(r.jailName ?? id, { view: r.view, rootfs: r.rootfs }, host());
    },
    killAll(record: ContainerRecord, signal: number) {
      const setup = setupOf(record);
      if (setup) signalJail(setup, host(), signal);
    },
    listPids(record: ContainerRecord): number[] {
      const setup = setupOf(record);
      return setup ? jailPids(setup, host()) : [];
    },
    execRecords(record: ContainerRecord, proc: ProcessPlan) {
      const setup = setupOf(record);
      if (!setup?.jid) throw new RuntimeError('ENOTRUNNING', 'container not running');
      return { records: freebsdRecords({ records: processRecords(proc, FREEBSD_RLIMITS) }, setup.jid), warnings: [] };
    },
    freeze(record: ContainerRecord, on: boolean) {
      const setup = setupOf(record);
      if (setup) signalJail(setup, host(), SIGNALS[on ? 'SIGSTOP' : 'SIGCONT'] as number);
    },
    update(record: ContainerRecord, resources: Record<string, unknown>) {
      const setup = setupOf(record);
      if (!setup?.jid) throw new RuntimeError('ENOTRUNNING', 'container not running');
      const add = rctlRules(resources, 'update');
      const remove = unlimitedResources(resources);
      if (!add.length && !remove.length) return;
      const h = host();
      requireRacct(h, 'update');
      addRules(h, setup.jailName, add);
      removeRules(h, setup.jailName, remove);
    },
    stats(record: ContainerRecord) {
      const setup = setupOf(record);
      return setup?.jid ? jailStats(host(), setup.jailName) : {};
    },
    exitReason() {
      return undefined;
    },
    explain(plan: ContainerPlan, policy: HostPolicy) {
      const fp = planFreeBSD(plan, policy, readRunjExt(plan.bundle));
      return { plan: explainedFreeBSDPlan(fp), text: formatFreeBSDPlan(fp) };
    },
    features() {
      return { mountOptions: [...FREEBSD_MOUNT_OPTIONS], sections: {} };
    },
    async mountRootfs(target, mounts) {
      mountRootfsFreeBSD(host(), target, mounts);
    },
    async unmountRootfs(target) {
      unmountRootfsFreeBSD(host(), target);
    },
  };
}

export const freebsdSandbox: Sandbox = makeFreeBSDSandbox();
