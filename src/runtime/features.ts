/** `features`: what this build of runj supports, per the spec's features document. */
import { CAPABILITIES } from '../platform/linux/capabilities.js';
import { MOUNT_OPTION_NAMES } from '../platform/linux/mountOptions.js';
import { helperFeatures } from './helper.js';
import { OCI_VERSION } from './ociState.js';

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

export function features(platform: string = process.platform): Record<string, unknown> {
  const common = {
    ociVersionMin: '1.0.0',
    ociVersionMax: OCI_VERSION,
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: [...MOUNT_OPTION_NAMES].sort(),
    annotations: { 'org.opencontainers.runtime-spec.features.runtime': 'runj' } as Record<string, string>,
  };
  if (platform !== 'linux') return common;
  return {
    ...common,
    linux: {
      namespaces: ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup', 'user'],
      capabilities: [...CAPABILITIES],
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false, rdma: false },
      seccomp: seccompFeatures(),
      apparmor: { enabled: false },
      selinux: { enabled: false },
      intelRdt: { enabled: false },
      mountExtensions: { idmap: { enabled: false } },
      netDevices: { enabled: false },
    },
  };
}
