/** `spec` and `demo spec`: minimal valid config.json templates for either backend, like runc's. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Spec } from '../plan/spec.js';
import { RuntimeError, isErrno, systemError } from '../core/errors.js';
import { OCI_VERSION } from '../runtime/ociState.js';

const CAPS = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];

/** root in /, no terminal, a PATH and TERM: what both templates start from. */
function baseProcess(args: string[], path: string): NonNullable<Spec['process']> {
  return { terminal: false, user: { uid: 0, gid: 0 }, args, env: [`PATH=${path}`, 'TERM=xterm'], cwd: '/' };
}

export function linuxSpec(args: string[] = ['sh']): Spec {
  return {
    ociVersion: OCI_VERSION,
    process: {
      ...baseProcess(args, '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'),
      capabilities: { bounding: CAPS, effective: CAPS, permitted: CAPS },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'runj',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    ],
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
      maskedPaths: [
        '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
        '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi', '/sys/devices/virtual/powercap',
      ],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}

/** The demo's command: prints the jail's hostname and kernel, then exits. */
export const DEMO_ARGS = ['/bin/sh', '-c', 'echo hello from $(hostname); uname -a'];

/**
 * A FreeBSD jail config, as runj (Go)'s `demo spec` writes: devfs with the
 * usual jail ruleset 4, the host's IPv4 addresses, its own hostname and SysV
 * IPC namespaces, and only its root visible to statfs.
 */
export function freebsdSpec(args: string[] = DEMO_ARGS): Spec {
  return {
    ociVersion: OCI_VERSION,
    process: baseProcess(args, '/sbin:/bin:/usr/sbin:/usr/bin:/usr/local/sbin:/usr/local/bin'),
    root: { path: 'rootfs' },
    hostname: 'runj',
    mounts: [{ destination: '/dev', type: 'devfs', source: 'devfs', options: ['ruleset=4'] }],
    freebsd: {
      jail: { host: 'new', ip4: 'inherit', sysvmsg: 'new', sysvsem: 'new', sysvshm: 'new', enforceStatfs: 2 },
    },
  };
}

export type SpecPlatform = 'freebsd' | 'linux';
export const SPEC_PLATFORMS: readonly SpecPlatform[] = ['freebsd', 'linux'];

/** The host's template platform: FreeBSD on FreeBSD, the Linux backend elsewhere. */
export const hostSpecPlatform = (): SpecPlatform => (process.platform === 'freebsd' ? 'freebsd' : 'linux');

/** The `spec` template for a platform; both run runc's `sh`. */
export function specFor(platform: SpecPlatform = hostSpecPlatform()): Spec {
  return platform === 'freebsd' ? freebsdSpec(['sh']) : linuxSpec();
}

/** Writes <bundle>/config.json; refuses to overwrite one, as runc does. */
export function writeSpec(bundle: string, spec: Spec): string {
  const file = path.join(path.resolve(bundle), 'config.json');
  try {
    fs.writeFileSync(file, `${JSON.stringify(spec, null, '\t')}\n`, { flag: 'wx', mode: 0o644 });
  } catch (err) {
    if (isErrno(err, 'EEXIST')) throw new RuntimeError('EEXISTS', `File ${file} exists. Remove it first`);
    throw systemError(`write ${file}`, err);
  }
  return file;
}
