/**
 * Where the shim keeps things. The socket follows containerd's convention
 * (what its own shims compute, and what 1.6 expects a shim to reuse):
 * `<state>/s/<sha256hex(address/namespace/id)>`, 86 bytes on Linux, inside
 * FreeBSD's 104-byte sun_path. The runtime's state root is per namespace,
 * as containerd's runc shim gives runc `--root /run/containerd/runc/<ns>`:
 * `/run/containerd/runj/<ns>`, or `$RUNJ_SHIM_ROOT/<ns>` (tests, and hosts
 * whose containerd keeps its state elsewhere).
 */
import type * as Crypto from 'node:crypto';
import * as path from 'node:path';
import { builtin } from '../core/builtin.js';

/** containerd's default state directory (defaults.DefaultStateDir). */
export function stateDir(platform: string = process.platform): string {
  return platform === 'linux' ? '/run/containerd' : '/var/run/containerd';
}

export function socketAddress(address: string, namespace: string, id: string, platform: string = process.platform): string {
  // Required here, not imported: the daemon the launcher starts is given its socket
  // (-socket), and loading node:crypto cost it ~12 ms of start-up.
  const { createHash } = builtin<typeof Crypto>('node:crypto');
  const digest = createHash('sha256').update(path.join(address, namespace, id)).digest('hex');
  return `unix://${path.join(stateDir(platform), 's', digest)}`;
}

export function runtimeRoot(namespace: string, env: NodeJS.ProcessEnv = process.env, platform: string = process.platform): string {
  return path.join(env.RUNJ_SHIM_ROOT || path.join(stateDir(platform), 'runj'), namespace);
}
