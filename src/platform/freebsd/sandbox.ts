/**
 * FreeBSD jail backend: the Sandbox the runtime talks to. prepare reads
 * runj.ext.json and plans everything (planFreeBSD, pure); setUp creates the
 * jail and its mounts and fills the jail id into the helper's `jail`
 * record; tearDown removes them; killAll and listPids find the jail's
 * processes through kern.proc. Nothing here enters the jail: the helper
 * does jail_attach.
 */
import type { HostPolicy } from '../../plan/policy.js';
import type { ContainerPlan, ProcessPlan } from '../../plan/types.js';
import { processRecords } from '../processRecords.js';
import { FREEBSD_RLIMITS } from './rlimits.js';
import { SIGNALS } from './abi.js';
import { rctlRules, unlimitedResources } from './rctl.js';
import { addRules, jailStats, removeRules, requireRacct } from './rctlHost.js';
import { RuntimeError } from '../../runtime/errors.js';
import type { ContainerRecord } from '../../runtime/store.js';
import type { Prepared, ProcessInfo, Sandbox } from '../sandbox.js';
import { execRunner } from './commands.js';
import { readRunjExt } from './ext.js';
import * as ffi from './ffi.js';
import { SZOMB, startToken } from './kinfo.js';
import { type Host, type SetUpData, jailPids, setUpFreeBSD, signalJail, tearDownFreeBSD } from './system.js';
import { DEFAULT_RUNDIR, type FreeBSDPlan, JID_PLACEHOLDER, planFreeBSD } from './translate.js';

export { readRunjExt } from './ext.js';
export { formatFreeBSDPlan, planFreeBSD } from './translate.js';

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

const plans = new WeakMap<Prepared, FreeBSDPlan>();

function setupOf(record: ContainerRecord): SetUpData | undefined {
  const s = record.sandbox?.setup as SetUpData | undefined;
  return s && typeof s === 'object' && typeof s.jailName === 'string' ? s : undefined;
}

/** The sandbox, over a given host (tests pass one backed by libjailtest). */
export function makeFreeBSDSandbox(host: () => Host = defaultHost): Sandbox {
  return {
    platform: 'freebsd',
    prepare(plan: ContainerPlan, policy: HostPolicy): Prepared {
      const fp = planFreeBSD(plan, policy, readRunjExt(plan.bundle), { rundir: host().rundir });
      const prepared: Prepared = { records: fp.records, warnings: fp.warnings, debug: fp.debug, data: { jailName: fp.jail.name } };
      plans.set(prepared, fp);
      return prepared;
    },
    async setUp(_plan: ContainerPlan, prepared: Prepared) {
      const fp = plans.get(prepared);
      if (!fp) throw new RuntimeError('ESYSTEM', 'FreeBSD sandbox: setUp without prepare');
      const setup = setUpFreeBSD(fp, host());
      const i = prepared.records.findIndex((r) => r[0] === 'jail' && r[1] === JID_PLACEHOLDER);
      if (i >= 0) prepared.records[i] = ['jail', setup.jid];
      return { setup };
    },
    async tearDown(record: ContainerRecord) {
      const setup = setupOf(record);
      if (setup) tearDownFreeBSD(setup, host());
    },
    killAll(record: ContainerRecord, signal: number) {
      const setup = setupOf(record);
      if (setup) signalJail(setup, host(), signal);
    },
    listPids(record: ContainerRecord): number[] {
      const setup = setupOf(record);
      return setup ? jailPids(setup, host()) : [];
    },
    execRecords(record: ContainerRecord, proc: ProcessPlan): Prepared {
      const setup = setupOf(record);
      if (!setup?.jid) throw new RuntimeError('ENOTRUNNING', 'container not running');
      return { records: [['jail', setup.jid], ...processRecords(proc, FREEBSD_RLIMITS)], warnings: [], debug: [], data: {} };
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
  };
}

export const freebsdSandbox: Sandbox = makeFreeBSDSandbox();
