/**
 * Finding a ruleset number for a generated devfs ruleset. Rulesets are
 * global kernel objects without names, so runj keeps a registry in
 * <rundir>/devfs/<N>.json (the rules' digest and text). A ruleset whose
 * registry entry has the same digest and that is still loaded is reused;
 * otherwise the first number in the policy's range (starting from a slot
 * picked by the digest) that is empty in the kernel is programmed and
 * registered. A number with rules but no registry entry belongs to someone
 * else and is never touched. Generated rulesets are left loaded after the
 * container is deleted (identical ones are shared; /var/run is cleared at
 * boot, as are rulesets). One lock (a directory) serialises allocation, so
 * a half-programmed ruleset is never used.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RuntimeError, isErrno } from '../../core/errors.js';
import type { DevfsControl } from './commands.js';
import type { DevfsPlan } from './devfs.js';

export type Sleeper = (ms: number) => void;

export const sleepSync: Sleeper = (ms) => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

function withLock<T>(dir: string, sleep: Sleeper, f: () => T): T {
  const lock = path.join(dir, '.lock');
  for (let waited = 0; ; waited += 20) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 30_000) fs.rmSync(lock, { recursive: true, force: true }); // a crashed runj's lock
      else if (waited > 10_000) throw new RuntimeError('ESYSTEM', `devfs ruleset registry ${dir} is locked (${lock})`);
      else sleep(20);
    }
  }
  try {
    return f();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

interface Entry {
  digest: string;
  rules: string[][];
}

function readEntry(file: string): Entry | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Entry;
  } catch {
    return undefined;
  }
}

/** Returns the ruleset number to mount devfs with, programming the ruleset if needed. */
export function allocateRuleset(plan: DevfsPlan, rundir: string, devfs: DevfsControl, sleep: Sleeper = sleepSync): number {
  const dir = path.join(rundir, 'devfs');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const [first, last] = plan.range;
  const size = last - first + 1;
  const start = Number.parseInt(plan.digest.slice(0, 8), 16) % size;
  return withLock(dir, sleep, () => {
    for (let k = 0; k < size; k++) {
      const n = first + ((start + k) % size);
      const file = path.join(dir, `${n}.json`);
      const entry = readEntry(file);
      const loaded = devfs.inUse(n);
      if (entry?.digest === plan.digest && loaded) return n;
      if (loaded && entry?.digest !== plan.digest) continue; // another configuration's, or not runj's
      devfs.program(n, plan.rules);
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify({ digest: plan.digest, rules: plan.rules }));
      fs.renameSync(tmp, file);
      return n;
    }
    throw new RuntimeError('ESYSTEM', `no free devfs ruleset number in ${first}..${last} (freebsd.devfs.range in the host policy)`);
  });
}
