/**
 * The native helper binary (native/README.md): where it is and what this
 * build of it can do. The runtime spawns it; backends ask its features.
 */
import * as fs from 'node:fs';
import { RuntimeError } from '../core/errors.js';
import { nativeFile } from '../core/native.js';
import { SMALL_DOC_MAX, readLimited } from '../core/readLimited.js';
import { sys } from '../core/sys.js';

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

/**
 * What this build of the helper can do (`runj-helper --features`), asked once
 * per process; create asks whenever the config has a seccomp profile (podman
 * and buildah always pass one). The build records the answer next to the
 * helper (`runj-helper.features`, native/Makefile): read when it is not older
 * than the helper. Otherwise (another helper, $RUNJ_HELPER without one) the
 * helper is asked, spawned through runj's addon with a socketpair for its
 * stdout (node:child_process costs ~10 ms to load); that spawn cost ~1.5 ms.
 * A helper that cannot be run or answers nothing can do nothing optional.
 */
export function helperFeatures(): HelperFeatures {
  if (features) return features;
  const file = helperPath();
  let f = recordedFeatures(file);
  if (!f) {
    try {
      f = JSON.parse(featuresText(file)) as Partial<HelperFeatures>;
    } catch {
      f = {};
    }
  }
  features = { seccomp: f.seccomp === true, tty: f.tty === true };
  return features;
}

/** `<helper>.features`, when it is a regular file at least as new as the helper and holds a JSON object. */
function recordedFeatures(file: string): Partial<HelperFeatures> | undefined {
  try {
    const recorded = fs.statSync(`${file}.features`);
    if (!recorded.isFile() || recorded.mtimeMs < fs.statSync(file).mtimeMs) return undefined;
    // Read as runj reads any file it is pointed at (a regular file, capped), not whole.
    const f: unknown = JSON.parse(readLimited(`${file}.features`, SMALL_DOC_MAX, 'helper features file'));
    return typeof f === 'object' && f !== null && !Array.isArray(f) ? (f as Partial<HelperFeatures>) : undefined;
  } catch {
    return undefined;
  }
}

/** The helper's stdout for --features (stdin and stderr closed), read to its end. */
function featuresText(file: string): string {
  const s = sys();
  const pair = s.socketpair();
  if (typeof pair === 'number') return '';
  const [mine, theirs] = pair;
  try {
    let pid: number;
    try {
      pid = s.spawn(file, [file, '--features'], [-1, theirs, -1], false);
    } finally {
      fs.closeSync(theirs);
    }
    if (pid <= 0) return '';
    const buf = Buffer.alloc(4096);
    let len = 0;
    for (let n = 1; len < buf.length && n > 0; len += n) n = fs.readSync(mine, buf, len, buf.length - len, null);
    s.waitpid(pid, false);
    return buf.toString('utf8', 0, len);
  } finally {
    fs.closeSync(mine);
  }
}
