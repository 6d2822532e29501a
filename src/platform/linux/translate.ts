/**
 * Linux development backend: ContainerPlan → helper records. Pure: the
 * caller passes in what it read from the system (last capability).
 */
import type { HostPolicy } from '../../plan/policy.js';
import type { ContainerPlan, ProcessPlan } from '../../plan/types.js';
import { RuntimeError, invalid, unsupported } from '../../core/errors.js';
import { type PlanRecord, hex } from '../../backend/protocol.js';
import { processRecords } from '../processRecords.js';
import { capabilityMasks, CAP_SETS } from './capabilities.js';
import { parseMountOptions, rootPropagation } from './mountOptions.js';
import { RLIMITS } from './rlimits.js';
import { type Seccomp, seccompRecords } from './seccomp.js';
import { type CgroupLayout, cgroupDirs, containerCgroupPath } from './cgroupLayout.js';
import { cgroupMountRecords } from './cgroupMounts.js';
import { type CgroupWrite, planResources } from './cgroupResources.js';
import { checkUnsupported } from './unsupported.js';
import { NS_TYPES } from './namespaceTypes.js';


export interface LinuxTranslation {
  records: PlanRecord[];
  warnings: string[];
  debug: string[];
  /** Namespaces the container gets a new one of (for kill --all and ps). */
  newNamespaces: string[];
  /** The container's cgroup and its limits; undefined on a host without cgroups. */
  cgroup: { path: string; writes: CgroupWrite[] } | undefined;
}

export interface LinuxHostFacts {
  lastCap: number;
  cgroups: CgroupLayout;
  /** The helper was built with libseccomp. */
  seccomp: boolean;
  /** SELinux is enabled on the host (labels would then have to be applied). */
  selinux?: boolean;
}

export function translateLinux(plan: ContainerPlan, policy: HostPolicy, host: LinuxHostFacts): LinuxTranslation {
  const spec = plan.spec;
  const { warnings, debug } = checkUnsupported(spec, policy, host.selinux === true);
  const records: PlanRecord[] = [];
  const ns = namespaceRecords(spec.linux?.namespaces ?? []);
  records.push(['fork'], ...ns.records, ...idMapRecords(spec.linux, ns.created.includes('user')));
  if (!ns.has.has('mount')) throw unsupported('config.json: /linux/namespaces: a mount namespace is required by the Linux backend');
  if ((plan.hostname || plan.domainname) && !ns.has.has('uts')) {
    throw invalid('config.json: /hostname: unable to set hostname without a private UTS namespace');
  }
  const cgroup = planCgroup(plan, policy, host.cgroups, warnings);
  for (const dir of cgroup ? cgroupDirs(host.cgroups, cgroup.path) : []) records.push(['cgroup-procs', `${dir}/cgroup.procs`]);
  if (!plan.options.noNewKeyring) records.push(['new-keyring']);
  records.push(['root', plan.rootfs], ['propagation', hex(rootPropagation(spec.linux?.rootfsPropagation))]);
  plan.mounts.forEach((m, i) => {
    const where = `config.json: /mounts/${i}`;
    const o = parseMountOptions(m.options ?? [], where);
    const type = m.type ?? (o.bind ? 'bind' : '');
    const bind = o.bind || type === 'bind';
    if (!bind && !type) throw invalid(`${where}/type: required for a mount that is not a bind mount`);
    const flags = bind ? o.flags | 0x1000 : o.flags;
    const pflagBits = o.propagation.reduce((a, b) => a | b, 0);
    const pflags = hex(pflagBits);
    if (type === 'cgroup' || type === 'cgroup2') {
      if (!cgroup) throw unsupported(`${where}: a cgroup mount needs cgroups, and this host has none mounted`);
      records.push(...cgroupMountRecords(m.destination, o.flags, pflagBits, host.cgroups, cgroup.path, ns.has.has('cgroup')));
      return;
    }
    records.push(['mount', m.destination, m.source ?? type, bind ? '' : type, hex(flags), o.data, pflags, bind ? 'bind' : 'fs']);
  });
  for (const d of spec.linux?.devices ?? []) {
    const type = d.type === 'u' ? 'c' : d.type;
    if (type !== 'c' && type !== 'b' && type !== 'p') throw invalid(`config.json: /linux/devices: ${d.path}: type must be c, b, u or p, not "${d.type}"`);
    records.push(['device', d.path, type, d.major ?? 0, d.minor ?? 0, d.fileMode ?? 0o666, d.uid ?? 0, d.gid ?? 0]);
  }
  records.push(['default-devices']);
  if (plan.options.noPivot) records.push(['no-pivot']);
  for (const p of spec.linux?.maskedPaths ?? []) records.push(['masked', p]);
  for (const p of spec.linux?.readonlyPaths ?? []) records.push(['readonly', p]);
  if (plan.readonlyRoot) records.push(['readonly-root']);
  if (plan.hostname) records.push(['hostname', plan.hostname]);
  if (plan.domainname) records.push(['domainname', plan.domainname]);
  for (const [key, value] of Object.entries(spec.linux?.sysctl ?? {})) {
    checkSysctl(key, ns.has);
    records.push(['sysctl', key, value]);
  }
  if (plan.process.oomScoreAdj !== undefined) records.push(['oom-score-adj', plan.process.oomScoreAdj]);
  records.push(...capabilityRecords(plan.process, host.lastCap, warnings));
  records.push(...seccompFor(spec.linux?.seccomp as Seccomp | undefined, policy, host.seccomp, warnings));
  records.push(...processRecords(plan.process, RLIMITS, plan.hooks));
  return { records, warnings, debug, newNamespaces: ns.created, cgroup };
}

/** The container's cgroup: limits the host can apply, refusals (or policy-ignored warnings) for the rest. */
function planCgroup(plan: ContainerPlan, policy: HostPolicy, layout: CgroupLayout, warnings: string[]) {
  const linux = plan.spec.linux;
  const resources = linux?.resources;
  if (layout.mode === 'none') {
    if (resources && Object.keys(resources).length) throw unsupported('config.json: /linux/resources: this host has no cgroup file system mounted');
    return undefined;
  }
  const r = planResources(resources, linux?.devices ?? [], layout.mode);
  for (const field of r.refused) {
    const ignored = policy.ignore.has(field) || policy.ignore.has('linux.resources');
    if (!ignored) {
      throw unsupported(`config.json: ${field}: cannot be applied on this host (cgroup ${layout.mode}); list it under "ignore" in the host policy to run without it`);
    }
    warnings.push(`ignoring ${field} as the host policy (${policy.file}) allows`);
  }
  return { path: containerCgroupPath(linux?.cgroupsPath, plan.id), writes: r.writes };
}

export function capabilityRecords(p: ProcessPlan, lastCap: number, warnings: string[]): PlanRecord[] {
  if (!p.capabilities) return [];
  const { masks, unknown } = capabilityMasks(p.capabilities, lastCap);
  if (unknown.length) warnings.push(`ignoring unknown capabilities: ${unknown.join(', ')}`);
  return CAP_SETS.map((set) => ['caps', set, `0x${masks[set].toString(16)}`]);
}

export function seccompFor(s: Seccomp | undefined, policy: HostPolicy, available: boolean, warnings: string[]): PlanRecord[] {
  if (!s) return [];
  if (available) return seccompRecords(s);
  if (!policy.ignore.has('linux.seccomp')) {
    throw unsupported('config.json: linux.seccomp: runj-helper was built without libseccomp; list it under "ignore" in the host policy to run without it');
  }
  warnings.push(`ignoring linux.seccomp as the host policy (${policy.file}) allows`);
  return [];
}

type NamespaceRecord = readonly ['ns-join', string, string] | readonly ['ns-new', string];

function namespaceRecords(list: readonly { type: string; path?: string }[]) {
  const records: NamespaceRecord[] = [];
  const has = new Set<string>();
  const created: string[] = [];
  list.forEach((n, i) => {
    const type = NS_TYPES[n.type];
    if (!type) throw unsupported(`config.json: /linux/namespaces/${i}/type: "${n.type}" namespaces are not supported by the Linux backend`);
    if (has.has(type)) throw invalid(`config.json: /linux/namespaces/${i}/type: duplicate namespace "${n.type}"`);
    has.add(type);
    if (n.path) records.push(['ns-join', type, n.path]);
    else created.push(type);
  });
  // setns before unshare: joining first keeps a joined namespace from being replaced.
  for (const type of created) records.push(['ns-new', type]);
  // The user namespace first, so that every other new namespace is owned by it.
  records.sort((a, b) => Number(b[1] === 'user') - Number(a[1] === 'user'));
  return { records, has, created };
}

interface IdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

/** uid/gid maps for a new user namespace: required there, meaningless anywhere else. */
function idMapRecords(linux: { uidMappings?: unknown[]; gidMappings?: unknown[] } | undefined, newUserNs: boolean): PlanRecord[] {
  const uids = (linux?.uidMappings ?? []) as IdMapping[];
  const gids = (linux?.gidMappings ?? []) as IdMapping[];
  if (!newUserNs) {
    if (uids.length || gids.length) throw invalid('config.json: /linux/uidMappings: id mappings need a new user namespace');
    return [];
  }
  if (!uids.length || !gids.length) {
    throw invalid(`config.json: /linux/${uids.length ? 'gid' : 'uid'}Mappings: a new user namespace needs uid and gid mappings`);
  }
  return [
    ...uids.map((m): PlanRecord => ['uid-map', m.containerID, m.hostID, m.size]),
    ...gids.map((m): PlanRecord => ['gid-map', m.containerID, m.hostID, m.size]),
  ];
}

const IPC_SYSCTLS = /^(kernel\.(msgmax|msgmnb|msgmni|sem|shmall|shmmax|shmmni|shm_rmid_forced)|fs\.mqueue\..+)$/;

function checkSysctl(key: string, has: Set<string>): void {
  const where = `config.json: /linux/sysctl/${key}`;
  if (key.startsWith('net.')) {
    if (!has.has('net')) throw new RuntimeError('EINVALID', `${where}: sysctl requires a private network namespace`);
  } else if (IPC_SYSCTLS.test(key)) {
    if (!has.has('ipc')) throw new RuntimeError('EINVALID', `${where}: sysctl requires a private IPC namespace`);
  } else if (key === 'kernel.hostname' || key === 'kernel.domainname') {
    if (!has.has('uts')) throw new RuntimeError('EINVALID', `${where}: sysctl requires a private UTS namespace`);
  } else {
    throw new RuntimeError('EINVALID', `${where}: sysctl is not in a separate kernel namespace`);
  }
}
