/**
 * Linux development backend: ContainerPlan → helper records. Pure: the
 * caller passes in what it read from the system (last capability).
 */
import type { HostPolicy } from '../../plan/policy.js';
import type { ContainerPlan } from '../../plan/types.js';
import { RuntimeError, invalid, unsupported } from '../../runtime/errors.js';
import type { Record_ } from '../helperProtocol.js';
import { processRecords } from '../processRecords.js';
import { capabilityMasks, CAP_SETS } from './capabilities.js';
import { parseMountOptions, rootPropagation } from './mountOptions.js';
import { RLIMITS } from './rlimits.js';
import { checkUnsupported } from './unsupported.js';

const NS_TYPES: Record<string, string> = {
  pid: 'pid', network: 'net', mount: 'mount', ipc: 'ipc', uts: 'uts', cgroup: 'cgroup',
};

export interface LinuxTranslation {
  records: Record_[];
  warnings: string[];
  debug: string[];
  /** Namespaces the container gets a new one of (for kill --all and ps). */
  newNamespaces: string[];
}

export interface LinuxHostFacts {
  lastCap: number;
}

export function translateLinux(plan: ContainerPlan, policy: HostPolicy, host: LinuxHostFacts): LinuxTranslation {
  const spec = plan.spec;
  const { warnings, debug } = checkUnsupported(spec, policy);
  const records: Record_[] = [];
  const ns = namespaceRecords(spec.linux?.namespaces ?? []);
  records.push(['fork'], ...ns.records);
  if (!ns.has.has('mount')) throw unsupported('config.json: /linux/namespaces: a mount namespace is required by the Linux backend');
  if ((plan.hostname || plan.domainname) && !ns.has.has('uts')) {
    throw invalid('config.json: /hostname: unable to set hostname without a private UTS namespace');
  }
  if (!plan.options.noNewKeyring) records.push(['new-keyring']);
  records.push(['root', plan.rootfs], ['propagation', hex(rootPropagation(spec.linux?.rootfsPropagation))]);
  plan.mounts.forEach((m, i) => {
    const where = `config.json: /mounts/${i}`;
    const o = parseMountOptions(m.options ?? [], where);
    const type = m.type ?? (o.bind ? 'bind' : '');
    const bind = o.bind || type === 'bind';
    if (!bind && !type) throw invalid(`${where}/type: required for a mount that is not a bind mount`);
    const flags = bind ? o.flags | 0x1000 : o.flags;
    const pflags = hex(o.propagation.reduce((a, b) => a | b, 0));
    records.push(['mount', m.destination, m.source ?? type, bind ? '' : type, hex(flags), o.data, pflags, bind ? 'bind' : 'fs']);
  });
  for (const d of spec.linux?.devices ?? []) {
    const type = d.type === 'u' ? 'c' : d.type;
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
  if (plan.process.capabilities) {
    const { masks, unknown } = capabilityMasks(plan.process.capabilities, host.lastCap);
    for (const set of CAP_SETS) records.push(['caps', set, `0x${masks[set].toString(16)}`]);
    if (unknown.length) warnings.push(`ignoring unknown capabilities: ${unknown.join(', ')}`);
  }
  records.push(...processRecords(plan, RLIMITS));
  return { records, warnings, debug, newNamespaces: ns.created };
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

function namespaceRecords(list: readonly { type: string; path?: string }[]) {
  const records: Record_[] = [];
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
  return { records, has, created };
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
