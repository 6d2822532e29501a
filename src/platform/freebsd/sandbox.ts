/**
 * FreeBSD jail backend: the Sandbox the runtime talks to. prepare reads
 * runj.ext.json and plans everything (planFreeBSD, pure); setUp creates the
 * jail and its mounts and fills the jail id into the helper's `jail`
 * record; tearDown removes them; killAll and listPids find the jail's
 * processes through kern.proc. Nothing here enters the jail: the helper
 * does jail_attach.
 */
import type { HostPolicy } from '../../plan/policy.js';
import { constants } from 'node:os';
import type { ContainerPlan, ProcessPlan } from '../../plan/types.js';
import { processRecords } from '../processRecords.js';
import { FREEBSD_RLIMITS } from './rlimits.js';
import { RuntimeError } from '../../runtime/errors.js';
import type { ContainerRecord } from '../../runtime/store.js';
import type { Prepared, ProcessInfo, Sandbox } from '../sandbox.js';
import { execRunner } from './commands.js';
import { E } from './errno.js';
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

/** Start time ("sec.usec" of ki_start) and zombie state from kern.proc.pid.<pid>. */
export function freebsdProcessInfo(pid: number): ProcessInfo | undefined {
  const p = ffi.procByPid(pid);
  return p && { startTime: startToken(p), zombie: p.stat === SZOMB };
}

const plans = new WeakMap<Prepared, FreeBSDPlan>();

function setupOf(record: ContainerRecord): SetUpData | undefined {
  const s = record.sandbox?.setup as SetUpData | undefined;
  return s && typeof s === 'object' && typeof s.jailName === 'string' ? s : undefined;
}

/**
 * Teardown without a record: the jail is found by name (jail_get), its
 * processes killed, the jail removed, and every mount at or under its path
 * unmounted, deepest first.
 */
export function recoverJail(name: string, h: Host): void {
  const found = jailByName(name, h);
  if (!found) return;
  const data = { jid: found.jid, jailName: name, mounted: [], created: [], aliases: [], moved: [] };
  signalJail(data, h, constants.signals.SIGKILL);
  tearDownFreeBSD(data, h);
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
    async recover(id: string, data: Record<string, unknown> | undefined) {
      recoverJail(typeof data?.jailName === 'string' ? data.jailName : id, host());
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
      if (setup) signalJail(setup, host(), constants.signals[on ? 'SIGSTOP' : 'SIGCONT']);
    },
    update() {
      throw new RuntimeError('EUNSUPPORTED', 'update: resource limits (rctl) are not supported by the FreeBSD backend yet');
    },
    stats() {
      return {};
    },
  };
}

export const freebsdSandbox: Sandbox = makeFreeBSDSandbox();
