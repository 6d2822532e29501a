/** The `linux` section of the features document (runtime-spec features-linux.md). */
import { helperFeatures } from '../../backend/helperBinary.js';
import { CAPABILITIES } from './capabilities.js';

function seccompFeatures(): Record<string, unknown> {
  let enabled = false;
  try {
    enabled = helperFeatures().seccomp;
  } catch {}
  if (!enabled) return { enabled: false };
  return {
    enabled: true,
    actions: ['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE', 'SCMP_ACT_TRAP'],
    operators: ['SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_LE', 'SCMP_CMP_LT', 'SCMP_CMP_MASKED_EQ', 'SCMP_CMP_NE'],
  };
}

export function linuxFeatures(): Record<string, unknown> {
  return {
    namespaces: ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup', 'user'],
    capabilities: [...CAPABILITIES],
    cgroup: { v1: true, v2: true, systemd: false, systemdUser: false, rdma: false },
    seccomp: seccompFeatures(),
    apparmor: { enabled: false },
    selinux: { enabled: false },
    intelRdt: { enabled: false },
    mountExtensions: { idmap: { enabled: false } },
    netDevices: { enabled: false },
  };
}
