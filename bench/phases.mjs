// The median of each trace phase (RUNJ_TRACE=1, docs/performance.md) of
// runj's lifecycle commands over N containers: where each command's time goes.
// Usage: node bench/phases.mjs [N] [path/to/runj.cjs]
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { env, median } from './measure.mjs';

const N = Number(process.argv[2] ?? 9);
const repo = path.resolve(import.meta.dirname, '..');
const runj = path.resolve(process.argv[3] ?? path.join(repo, 'dist/runj.cjs'));
if (process.getuid() !== 0) {
  console.error('phases: run as root');
  process.exit(1);
}
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-phases-'));
execFileSync('bash', [path.join(repo, 'scripts/rootfs.sh'), path.join(work, 'rootfs')]);
const bundle = path.join(work, 'bundle');
fs.mkdirSync(bundle);
execFileSync(process.execPath, [runj, 'spec', '--bundle', bundle], { env });
const config = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8'));
config.root = { path: path.join(work, 'rootfs'), readonly: true };
config.process.args = ['sleep', '1000'];
fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config));

const root = path.join(work, 'state');
const errFile = path.join(work, 'stderr');
const outFile = path.join(work, 'stdout');
const phases = {}; // command → phase → [ms]
function traced(op, ...args) {
  // Files, not pipes: the container inherits create's stdio and would hold a pipe open.
  const err = fs.openSync(errFile, 'w');
  const out = fs.openSync(outFile, 'w');
  const r = spawnSync(process.execPath, [runj, '--root', root, op, ...args], { env: { ...env, RUNJ_TRACE: '1' }, stdio: ['ignore', out, err] });
  fs.closeSync(err);
  fs.closeSync(out);
  const text = fs.readFileSync(errFile, 'utf8');
  if (r.status !== 0) throw new Error(`${op} ${args.join(' ')}: ${text}`);
  const seen = new Map();
  for (const line of text.split('\n')) {
    const [tag, phase, ms] = line.split(' ');
    if (tag !== 'runj-trace') continue;
    seen.set(phase, (seen.get(phase) ?? 0) + Number(ms)); // a phase met twice (state.write) adds up
  }
  phases[op] ??= new Map();
  for (const [phase, ms] of seen) {
    if (!phases[op].has(phase)) phases[op].set(phase, []);
    phases[op].get(phase).push(ms);
  }
  return fs.readFileSync(outFile, 'utf8');
}
try {
  for (let i = 0; i < N; i++) {
    const id = `p${i}`;
    traced('create', '--bundle', bundle, id);
    traced('start', id);
    traced('state', id);
    traced('kill', id, 'KILL');
    for (let k = 0; k < 200 && JSON.parse(traced('state', id)).status !== 'stopped'; k++);
    traced('delete', id);
  }
} finally {
  spawnSync(process.execPath, [runj, '--root', root, 'delete', '--force', `p${N - 1}`], { env, stdio: 'ignore' });
  fs.rmSync(work, { recursive: true, force: true });
}
for (const [op, byPhase] of Object.entries(phases)) {
  const rows = [...byPhase].map(([phase, xs]) => [phase, median(xs)]);
  const total = rows.reduce((s, [, ms]) => s + ms, 0);
  console.log(`\n${op}: median ms per phase over ${N} runs (sum ${total.toFixed(1)})`);
  for (const [phase, ms] of rows) console.log(`  ${phase.padEnd(22)} ${ms.toFixed(2).padStart(8)}`);
}
