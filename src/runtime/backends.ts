/**
 * Backend selection: the one place in the runtime that names the platform
 * implementations (make lint's layer check holds every other runtime file
 * to the interfaces in src/backend). Each backend is imported when first
 * needed, so a Linux host never evaluates the FreeBSD FFI and vice versa.
 */
import type * as Os from 'node:os';
import type { ProcessInfo, Sandbox, SignalTable } from '../backend/sandbox.js';
import { builtin } from '../core/builtin.js';
import { SIGNALS, SIGRTMAX } from '../platform/freebsd/signals.js';

export async function loadSandbox(platform: string = process.platform): Promise<Sandbox> {
  switch (platform) {
    case 'linux':
      return (await import('../platform/linux/sandbox.js')).linuxSandbox;
    case 'freebsd':
      return (await import('../platform/freebsd/sandbox.js')).freebsdSandbox;
    default:
      throw new Error(`no backend for platform ${platform}`);
  }
}

/** The platform's process lookup: start time and zombie state, cheap enough for every `state`. */
export async function processInfoFor(platform: string): Promise<(pid: number) => ProcessInfo | undefined> {
  if (platform === 'linux') return (await import('../platform/linux/procinfo.js')).linuxProcessInfo;
  if (platform === 'freebsd') return (await import('../platform/freebsd/sandbox.js')).freebsdProcessInfo;
  throw new Error(`no process information for platform ${platform}`);
}

/**
 * Signal names and the valid number range, per platform. Linux's are Node's
 * (this process runs there) with real-time signals up to 64; FreeBSD's are
 * sys/signal.h (abi.ts, checked by scripts/abi-check.mjs) with real-time
 * signals SIGRTMIN 65 to SIGRTMAX 126, which Node's table leaves out.
 */
export function platformSignals(platform: string = process.platform): SignalTable {
  switch (platform) {
    case 'linux':
      // Required here, not imported: node:os costs ~0.5 ms of start-up, and only kill needs it.
      return { byName: builtin<typeof Os>('node:os').constants.signals as Record<string, number>, max: 64 };
    case 'freebsd':
      return { byName: SIGNALS, max: SIGRTMAX };
    default:
      throw new Error(`no signal table for platform ${platform}`);
  }
}
