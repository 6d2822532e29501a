/** `features`: what this build of runj supports, per the spec's features document. */
import { CAPABILITIES } from '../platform/linux/capabilities.js';
import { MOUNT_OPTION_NAMES } from '../platform/linux/mountOptions.js';
import { OCI_VERSION } from './ociState.js';

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
      namespaces: ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup'],
      capabilities: [...CAPABILITIES],
      cgroup: { v1: false, v2: false, systemd: false, systemdUser: false, rdma: false },
      seccomp: { enabled: false },
      apparmor: { enabled: false },
      selinux: { enabled: false },
      intelRdt: { enabled: false },
      mountExtensions: { idmap: { enabled: false } },
      netDevices: { enabled: false },
    },
  };
}
