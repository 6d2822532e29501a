/**
 * Loads koffi lazily. koffi's index.js wrapper costs ~6 ms at startup; its
 * prebuilt native module alone loads in ~1.5 ms, so we load that directly and
 * fall back to the package entry point (for platforms built from source).
 */
import { createRequire } from 'node:module';
import { mark } from './trace.js';

// biome-ignore lint/suspicious/noExplicitAny: koffi's API is untyped at this seam
export type Koffi = any;

let cached: Koffi | undefined;

export function koffi(): Koffi {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const arch = process.arch === 'ia32' ? 'ia32' : process.arch;
  try {
    cached = require(`koffi/build/koffi/${process.platform}_${arch}/koffi.node`);
  } catch {
    cached = require('koffi');
  }
  mark('koffi.load');
  return cached;
}

/** The C library's file name on this platform. */
export function libcName(): string {
  switch (process.platform) {
    case 'freebsd':
      return 'libc.so.7';
    case 'linux':
      return 'libc.so.6';
    default:
      return 'libc.so';
  }
}
