/** Capability names → bit numbers (linux/capability.h). Pure. */
export const CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER',
  'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
] as const;

export const CAP_SETS = ['bounding', 'effective', 'permitted', 'inheritable', 'ambient'] as const;
export type CapSet = (typeof CAP_SETS)[number];

export interface CapMasks {
  masks: Record<CapSet, bigint>;
  /** Names not known to this build or above the kernel's last capability: skipped, as runc does, with a warning. */
  unknown: string[];
}

export function capabilityMasks(caps: Partial<Record<CapSet, string[]>>, lastCap = CAPABILITIES.length - 1): CapMasks {
  const unknown = new Set<string>();
  const masks = {} as Record<CapSet, bigint>;
  for (const set of CAP_SETS) {
    let mask = 0n;
    for (const name of caps[set] ?? []) {
      const bit = (CAPABILITIES as readonly string[]).indexOf(name);
      if (bit < 0 || bit > lastCap) unknown.add(name);
      else mask |= 1n << BigInt(bit);
    }
    masks[set] = mask;
  }
  return { masks, unknown: [...unknown].sort() };
}
