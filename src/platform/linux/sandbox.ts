/**
 * Linux development backend, system side. The helper builds the container
 * inside new namespaces, which die with its processes; what lives outside
 * them is the container's cgroup, made here at create and removed at delete.
 */
import * as fs from 'node:fs';
import type { HostPolicy } from '../../plan/policy.js';
import type { ContainerPlan } from '../../plan/types.js';
import type { ContainerRecord } from '../../backend/record.js';
import { linuxProcessInfo } from './procinfo.js';
import type { Sandbox } from '../../backend/sandbox.js';
import { CAPABILITIES } from './capabilities.js';
import { cgroupPids, freeze, hostLayout, removeCgroups, setUpCgroups } from './cgroups.js';
import { RuntimeError } from '../../core/errors.js';
import { helperFeatures } from '../../backend/helperBinary.js';
import { type PlanRecord, formatRecord, recordFields } from '../../backend/protocol.js';
import { processRecords } from '../processRecords.js';
import { cgroupStats, updateCgroup } from './cgroupOps.js';
import { oomKilled } from './cgroupOom.js';
import { linuxFeatures } from './features.js';
import { MOUNT_OPTION_NAMES } from './mountOptions.js';
import { type CgroupLayout, cgroupDirs, containerCgroupPath } from './cgroupLayout.js';
import type { CgroupWrite } from './cgroupResources.js';
import { RLIMITS } from './rlimits.js';
import { mountRootfsLinux, unmountRootfsLinux } from './rootfs.js';
import type { Seccomp } from './seccomp.js';
import { type LinuxSetUp, readLinuxRecovery, readLinuxSetUp } from './saved.js';
import { capabilityRecords, seccompFor, translateLinux } from './translate.js';
import { earlyUnshare } from './earlyUnshare.js';

/** prepare()'s result: the helper records and the cgroup setUp makes. */
export interface LinuxPlan {
  records: PlanRecord[];
  newNamespaces: string[];
  cgroup: { path: string; writes: CgroupWrite[]; layout: CgroupLayout } | undefined;
}

function lastCap(): number {
  try {
    return Number(fs.readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim());
  } catch {
    return CAPABILITIES.length - 1;
  }
}

function nsLink(pid: number, type: string): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/${type}`);
  } catch {
    return undefined;
  }
}

/** Every live pid sharing the init's pid namespace, init first. */
function pidsInNamespace(init: number): number[] {
  const target = nsLink(init, 'pid');
  if (!target) return [];
  if (target === nsLink(process.pid, 'pid')) return [init];
  const pids = [init];
  for (const name of fs.readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === init) continue;
    if (nsLink(pid, 'pid') === target) pids.push(pid);
  }
  return pids;
}

function alive(record: ContainerRecord): boolean {
  const info = record.pid > 0 ? linuxProcessInfo(record.pid) : undefined;
  return info !== undefined && !info.zombie && info.startTime === record.startTime;
}

export function cgroupOf(record: Pick<ContainerRecord, 'sandbox'>) {
  return readLinuxSetUp(record.sandbox)?.cgroup;
}

/** The container's processes: its cgroup's, else its pid namespace's (init first). */
function pidsOf(record: ContainerRecord): number[] {
  const cg = cgroupOf(record);
  if (cg) {
    const pids = cgroupPids(cg);
    return [...pids.filter((p) => p === record.pid), ...pids.filter((p) => p !== record.pid)];
  }
  return alive(record) ? pidsInNamespace(record.pid) : [];
}

/** SIGKILLs every process in the cgroup directories (thawing a frozen one first) until they are empty. */
async function killCgroup(dirs: string[]): Promise<void> {
  const pids = () => dirs.flatMap((d) => readLines(`${d}/cgroup.procs`).map(Number));
  for (const d of dirs) {
    if (fs.existsSync(`${d}/cgroup.freeze`)) writeQuietly(`${d}/cgroup.freeze`, '0');
    if (fs.existsSync(`${d}/freezer.state`)) writeQuietly(`${d}/freezer.state`, 'THAWED');
  }
  const deadline = Date.now() + 10_000;
  for (let left = pids(); left.length; left = pids()) {
    if (Date.now() > deadline) throw new RuntimeError('ESYSTEM', `cgroup ${dirs[0]}: processes ${left.join(' ')} did not die after SIGKILL`);
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

function readLines(file: string): string[] {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

function writeQuietly(file: string, text: string): void {
  try {
    fs.writeFileSync(file, text);
  } catch {}
}

export const linuxSandbox: Sandbox<LinuxPlan, LinuxSetUp> = {
  platform: 'linux',
  earlyUnshare,
  prepare(plan: ContainerPlan, policy: HostPolicy) {
    const layout = hostLayout();
    const seccomp = plan.spec.linux?.seccomp !== undefined && helperFeatures().seccomp;
    const selinux = fs.existsSync('/sys/fs/selinux/enforce');
    const t = translateLinux(plan, policy, { lastCap: lastCap(), cgroups: layout, seccomp, selinux });
    const lp: LinuxPlan = { records: t.records, newNamespaces: t.newNamespaces, cgroup: t.cgroup && { ...t.cgroup, layout } };
    return { plan: lp, warnings: t.warnings, debug: t.debug, recovery: { newNamespaces: lp.newNamespaces, cgroupPlan: lp.cgroup } };
  },
  async setUp(lp) {
    const c = lp.cgroup;
    return { newNamespaces: lp.newNamespaces, cgroup: c && setUpCgroups(c.layout, c.path, c.writes) };
  },
  records(lp) {
    return lp.records;
  },
  async tearDown(record: ContainerRecord) {
    const cg = cgroupOf(record);
    if (cg) removeCgroups(cg);
  },
  async recover(id, recovery) {
    const saved = readLinuxRecovery(recovery);
    const layout = saved.layout ?? hostLayout();
    const cgPath = saved.path ?? containerCgroupPath(undefined, id);
    const dirs = cgroupDirs(layout, cgPath).filter((d) => fs.existsSync(d));
    if (!dirs.length) return;
    await killCgroup(dirs);
    removeCgroups({ created: dirs, dirs });
  },
  killAll(record: ContainerRecord, signal: number): void {
    // The init last, so no process is re-parented and missed when it dies.
    const [init, ...rest] = pidsOf(record);
    for (const pid of init === undefined ? rest : [...rest, init]) {
      try {
        process.kill(pid, signal);
      } catch {}
    }
  },
  listPids(record: ContainerRecord): number[] {
    return pidsOf(record);
  },
  execRecords(record, proc, spec, policy) {
    const warnings: string[] = [];
    const records: PlanRecord[] = [['fork']];
    for (const [type, file] of NS_FILES) {
      const theirs = nsLink(record.pid, file);
      if (!theirs) throw new RuntimeError('ENOTRUNNING', 'container not running');
      if (theirs !== nsLink(process.pid, file)) records.push(['ns-join', type, `/proc/${record.pid}/ns/${file}`]);
    }
    records.push(['join-root', record.pid]);
    for (const dir of cgroupOf(record)?.dirs ?? []) records.push(['cgroup-procs', `${dir}/cgroup.procs`]);
    records.push(...capabilityRecords(proc, lastCap(), warnings));
    const seccomp = spec.linux?.seccomp as Seccomp | undefined;
    records.push(...seccompFor(seccomp, policy, seccomp ? helperFeatures().seccomp : false, warnings));
    records.push(...processRecords(proc, RLIMITS));
    return { records, warnings };
  },
  freeze(record, on) {
    const cg = cgroupOf(record);
    if (cg?.freezer) return freeze(cg, on);
    for (const pid of pidsOf(record)) process.kill(pid, on ? 'SIGSTOP' : 'SIGCONT');
  },
  update(record, resources) {
    const cg = cgroupOf(record);
    if (!cg) throw new RuntimeError('EUNSUPPORTED', 'update: the container has no cgroup');
    updateCgroup(cg, resources);
  },
  stats(record) {
    const cg = cgroupOf(record);
    return cg ? cgroupStats(cg) : {};
  },
  exitReason(record) {
    return oomKilled(cgroupOf(record));
  },
  mountRootfs(target, mounts) {
    return mountRootfsLinux(target, mounts);
  },
  unmountRootfs(target) {
    return unmountRootfsLinux(target);
  },
  explain(plan, policy) {
    // The host's own last capability where there is one (this can run on any OS).
    const t = translateLinux(plan, policy, { lastCap: lastCap(), cgroups: hostLayout(), seccomp: true });
    const lines = ['helper records', ...t.records.map((r) => `  ${formatRecord(r)}`)];
    for (const w of t.warnings) lines.push(`warning: ${w}`);
    for (const d of t.debug) lines.push(`debug: ${d}`);
    return { plan: { ...t, records: t.records.map(recordFields) }, text: `${lines.join('\n')}\n` };
  },
  features() {
    return { mountOptions: [...MOUNT_OPTION_NAMES], sections: { linux: linuxFeatures() } };
  },
};

/** Namespaces exec joins, in setns order (user first, mount last), with their /proc/<pid>/ns file names. */
const NS_FILES: [string, string][] = [['user', 'user'], ['ipc', 'ipc'], ['uts', 'uts'], ['net', 'net'], ['pid', 'pid'], ['cgroup', 'cgroup'], ['mount', 'mnt']];
