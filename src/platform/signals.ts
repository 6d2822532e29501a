/**
 * Signal names and the valid number range, per platform. Linux's are Node's
 * (this process runs there) with real-time signals up to 64; FreeBSD's are
 * sys/signal.h (abi.ts, checked by scripts/abi-check.mjs) with real-time
 * signals SIGRTMIN 65 to SIGRTMAX 126, which Node's table leaves out.
 */
import { constants } from 'node:os';
import { SIGNALS, SIGRTMAX } from './freebsd/abi.js';

export interface SignalTable {
  byName: Readonly<Record<string, number>>;
  /** The highest number kill(2) accepts as a signal (numbers 1..max). */
  max: number;
}

export function platformSignals(platform: string = process.platform): SignalTable {
  switch (platform) {
    case 'linux':
      return { byName: constants.signals as Record<string, number>, max: 64 };
    case 'freebsd':
      return { byName: SIGNALS, max: SIGRTMAX };
    default:
      throw new Error(`no signal table for platform ${platform}`);
  }
}
