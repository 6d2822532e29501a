// make bench: times each lifecycle command of runj, runc and crun (when
// installed) on the same busybox bundle, plus bare `node -e 0`, and prints
// medians and ratios. Usage: node bench/bench.mjs [iterations]
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchBuildah } from './buildah.mjs';
import { benchContainerd } from './containerd.mjs';

const N = Number(process.argv[2] ?? 15);
const repo = path.resolve(import.meta.dirname, '..');
const env = { ...process.env, NODE_EXTRA_CA_CERTS: '' };
delete env.NODE_EXTRA_CA_CERTS;

if (process.getuid() !== 0) {
  console.error('bench: run as root (containers need namespaces and mounts)');
  process.exit(1);
}
// crun 1.8 refuses this machine's hybrid cgroups (v1 controllers plus a v2 mount with
// controllers): run the whole bench in a private mount namespace with the v2 mount hidden.
if (!process.env.RUNJ_BENCH_NS && fs.existsSync('/sys/fs/cgroup/unified')) {
  const script = 'mount -t tmpfs none /sys/fs/cgroup/unified && exec "$@"';
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, RUNJ_BENCH_NS: '1' },
  });
  process.exit(r.status ?? 1);
}
const which = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).stdout.trim();
const runtimes = [['runj', [process.execPath, path.join(repo, 'dist/runj.cjs')]]];
if (which('runc')) runtimes.push(['runc', [which('runc')]]);
if (which('crun')) runtimes.push(['crun', [which('crun')]]);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-bench-'));
execFileSync('bash', [path.join(repo, 'scripts/rootfs.sh'), path.join(work, 'rootfs')]);

function bundle(args) {
  const dir = fs.mkdtempSync(path.join(work, 'b-'));
  execFileSync(process.execPath, [path.join(repo, 'dist/runj.cjs'), 'spec', '--bundle', dir], { env });
  const c = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  c.root = { path: path.join(work, 'rootfs'), readonly: true };
  c.process.args = args;
  c.ociVersion = '1.0.2'; // bookworm's crun 1.8 predates runtime-spec 1.1
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(c));
  return dir;
}
const sleeper = bundle(['sleep', '1000']);
const quick = bundle(['true']);

// The container inherits create's stdio: a pipe would keep spawnSync waiting
// for the container to exit, so stderr goes to a file.
const errFile = path.join(work, 'stderr');
function time(argv) {
  const err = fs.openSync(errFile, 'w');
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { env, stdio: ['ignore', 'ignore', err] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  fs.closeSync(err);
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${fs.readFileSync(errFile, 'utf8')}`);
  return ms;
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const results = {};
const node = [];
for (let i = 0; i < N; i++) node.push(time([process.execPath, '-e', '0']));
for (const [name, cmd] of runtimes) {
  const root = path.join(work, `root-${name}`);
  const r = (...args) => [...cmd, '--root', root, ...args];
  const t = { create: [], start: [], state: [], kill: [], delete: [], run: [] };
  for (let i = 0; i < N; i++) {
    const id = `bench-${i}`;
    t.create.push(time(r('create', '--bundle', sleeper, id)));
    t.start.push(time(r('start', id)));
    t.state.push(time(r('state', id)));
    t.kill.push(time(r('kill', id, 'KILL')));
    for (let k = 0; k < 200; k++) {
      const s = spawnSync(cmd[0], [...cmd.slice(1), '--root', root, 'state', id], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      if (JSON.parse(s.stdout).status === 'stopped') break;
    }
    t.delete.push(time(r('delete', id)));
    t.run.push(time(r('run', '--bundle', quick, `run-${i}`)));
  }
  results[name] = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, median(v)]));
}
fs.rmSync(work, { recursive: true, force: true });

const nodeMs = median(node);
const names = runtimes.map(([n]) => n);
const fmt = (x) => x.toFixed(1);
console.log(`median of ${N} runs, ms (bare \`node -e 0\`: ${fmt(nodeMs)} ms)\n`);
const head = ['command', ...names, ...(results.runc ? ['runj/runc'] : []), 'runj - node'];
console.log(`| ${head.join(' | ')} |`);
console.log(`|${head.map(() => '---').join('|')}|`);
for (const op of ['create', 'start', 'state', 'kill', 'delete', 'run']) {
  const row = [op, ...names.map((n) => fmt(results[n][op]))];
  if (results.runc) row.push(`${(results.runj[op] / results.runc[op]).toFixed(2)}x`);
  row.push(`+${fmt(results.runj[op] - nodeMs)}`);
  console.log(`| ${row.join(' | ')} |`);
}

// The containerd and buildah sections print their own tables (or why they were skipped).
await benchContainerd({ n: N });
await benchBuildah({ builds: Math.max(3, Math.ceil(N / 3)) });
