/**
 * The native helper binary (native/README.md): where it is and what this
 * build of it can do. The runtime spawns it; backends ask its features.
 */
import type * as ChildProcess from 'node:child_process';
import { createRequire } from 'node:module';
import { RuntimeError } from '../core/errors.js';
import { nativeFile } from '../core/native.js';

/** The helper binary: $RUNJ_HELPER, else native/runj-helper above this file. */
export function helperPath(): string {
  if (process.env.RUNJ_HELPER) return process.env.RUNJ_HELPER;
  const file = nativeFile('runj-helper');
  if (!file) throw new RuntimeError('ESYSTEM', 'runj-helper not found: build it with `make -C native` or set RUNJ_HELPER');
  return file;
}

export interface HelperFeatures {
  seccomp: boolean;
  tty: boolean;
}

let features: HelperFeatures | undefined;

/** What this build of the helper can do (`runj-helper --features`). */
export function helperFeatures(): HelperFeatures {
  if (features) return features;
  // Required here, not imported: node:child_process costs ~10 ms to load, and the
  // backends that import this file serve delete, kill and ps too, which never spawn.
  const { spawnSync } = createRequire(import.meta.url)('node:child_process') as typeof ChildProcess;
  const r = spawnSync(helperPath(), ['--features'], { encoding: 'utf8', timeout: 5000 });
  try {
    const f = JSON.parse(r.stdout) as Partial<HelperFeatures>;
    features = { seccomp: f.seccomp === true, tty: f.tty === true };
  } catch {
    features = { seccomp: false, tty: false };
  }
  return features;
}
