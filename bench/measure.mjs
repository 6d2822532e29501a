// Measuring one command run: wall time, CPU time (user + system, which
// waiting for a CPU on a loaded machine does not inflate) and peak RSS, from
// wait4(2) through bench/rusage.c (compiled here on first use).
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS; // Node would read the whole CA bundle at every start: tens of ms of noise

let rusage;
function runner() {
  if (!rusage) {
    rusage = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'runj-rusage-')), 'rusage');
    execFileSync('cc', ['-O2', '-o', rusage, path.join(import.meta.dirname, 'rusage.c')]);
    process.on('exit', () => fs.rmSync(path.dirname(rusage), { recursive: true, force: true }));
  }
  return rusage;
}

/**
 * Runs argv once: { wall, cpu } in ms, rss in kB, status. stderr goes to
 * `errFd` (a file: a container inherits it, and a pipe would keep us waiting
 * for the container to exit).
 */
export function measure(argv, errFd = 'ignore') {
  const r = spawnSync(runner(), argv, { env, stdio: ['ignore', 'ignore', errFd, 'pipe'], encoding: 'utf8' });
  const [wall, cpu, rss, status] = (r.output?.[3] ?? '').trim().split(' ').map(Number);
  if (r.status !== 0 || wall === undefined || Number.isNaN(wall)) throw new Error(`${argv.join(' ')}: could not be measured`);
  return { wall: wall / 1000, cpu: cpu / 1000, rss, status };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
