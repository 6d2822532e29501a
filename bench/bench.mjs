// make bench: each lifecycle command of runj, runc and crun (when installed)
// on the same busybox bundle, against Node's own start-up (`node -e 0`)
// measured in the same run, and runj's budgets (docs/performance.md).
// Usage: node bench/bench.mjs [iterations] [--base DIR]
//   --base DIR: also times another build of runj (DIR/dist/runj.cjs, its
//   helper in DIR/native), alternating with this one: before/after in one run.
// The machine may be shared: every iteration runs each runtime's lifecycle in
// turn (the order reversed every other time), so load changes hit all alike, and
// runj's margin is the median of its paired differences with the floor run
// just before each command. Budgets are printed, never asserted in tests.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchBuildah } from './buildah.mjs';
import { benchContainerd } from './containerd.mjs';
import { env, measure, median } from './measure.mjs';

const args = process.argv.slice(2);
// State roots (--root) on a tmpfs, as a usual Linux host's /run (runc's /run/runc, containerd's
// /run/containerd/runc, podman's and buildah's runroots) is; --disk-roots keeps them in the work
// directory's file system, where runj's durable writes (docs/state.md) cost fsyncs.
const diskAt = args.indexOf('--disk-roots');
const diskRoots = diskAt >= 0 && args.splice(diskAt, 1).length > 0;
const baseAt = args.indexOf('--base');
const base = baseAt >= 0 ? path.resolve(args.splice(baseAt, 2)[1]) : undefined;
const N = Number(args[0] ?? 15);
const repo = path.resolve(import.meta.dirname, '..');

if (process.getuid() !== 0) {
  console.error('bench: run as root (containers need namespaces and mounts)');
  process.exit(1);
}
// The whole bench runs in a private mount namespace: the state roots get a tmpfs of their
// own there (below), and crun 1.8, which refuses this machine's hybrid cgroups (v1
// controllers plus a v2 mount with controllers), gets the v2 mount hidden.
if (!process.env.RUNJ_BENCH_NS) {
  const hide = fs.existsSync('/sys/fs/cgroup/unified') ? 'mount -t tmpfs none /sys/fs/cgroup/unified && ' : '';
  const script = `${hide}exec "$@"`;
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, RUNJ_BENCH_NS: '1' },
  });
  process.exit(r.status ?? 1);
}

/** Budgets: runj's margin over `node -e 0`, ms (issue 12). The sequence is create + start + kill + delete. */
const BUDGET = { create: 20, start: 10, state: 10, kill: 10, delete: 10, run: 20, sequence: 50 };
const OPS = ['create', 'start', 'state', 'kill', 'delete', 'run'];
const SEQUENCE = ['create', 'start', 'kill', 'delete'];

const which = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).stdout.trim();
const runtimes = [['runj', [process.execPath, path.join(repo, 'dist/runj.cjs')]]];
if (base) runtimes.push(['runj-base', [process.execPath, path.join(base, 'dist/runj.cjs')]]);
if (which('runc')) runtimes.push(['runc', [which('runc')]]);
if (which('crun')) runtimes.push(['crun', [which('crun')]]);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-bench-'));
execFileSync('bash', [path.join(repo, 'scripts/rootfs.sh'), path.join(work, 'rootfs')]);
const roots = path.join(work, 'roots');
fs.mkdirSync(roots);
if (!diskRoots) execFileSync('mount', ['-t', 'tmpfs', '-o', 'mode=0700', 'runj-bench-roots', roots]);
const rootsFs = execFileSync('stat', ['-f', '-c', '%T', roots], { encoding: 'utf8' }).trim();

function bundle(argv) {
  const dir = fs.mkdtempSync(path.join(work, 'b-'));
  execFileSync(process.execPath, [path.join(repo, 'dist/runj.cjs'), 'spec', '--bundle', dir], { env });
  const c = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  c.root = { path: path.join(work, 'rootfs'), readonly: true };
  c.process.args = argv;
  c.ociVersion = '1.0.2'; // bookworm's crun 1.8 predates runtime-spec 1.1
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(c));
  return dir;
}
const sleeper = bundle(['sleep', '1000']);
const quick = bundle(['true']);

// stderr to a file: the container inherits create's stdio, and a pipe would keep
// the measurement waiting for the container to exit.
const errFile = path.join(work, 'stderr');
function timed(argv) {
  const err = fs.openSync(errFile, 'w');
  try {
    const t = measure(argv, err);
    if (t.status !== 0) throw new Error(`${argv.join(' ')}: exit ${t.status}: ${fs.readFileSync(errFile, 'utf8')}`);
    return t;
  } finally {
    fs.closeSync(err);
  }
}
const floorRun = () => measure([process.execPath, '-e', '0']);

/** Resident size of the process that holds a created container: the init's, plus its parent's when that is runj's helper. */
function holderRss(pid) {
  const rss = (p) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
  const ppid = Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
  const parentIsHelper = fs.readFileSync(`/proc/${ppid}/comm`, 'utf8').includes('runj-help');
  return rss(pid) + (parentIsHelper ? rss(ppid) : 0);
}

// runj's default cgroup parent (/runj) on each hierarchy. Builds differ in what they leave of it
// after a container (kept, or removed with the last one); alternating, one build would meet what
// another left. Before each turn it is put back as that build itself left it on its last turn.
const lastMount = new Map(); // mount point -> file system type of the mount on top (a hierarchy's root only)
for (const [mine, fsPart] of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' - '))) {
  const [, , , root, point] = mine.split(' ');
  if (fsPart) lastMount.set(point, root === '/' ? fsPart.split(' ')[0] : 'a cgroup bound from below its root');
}
const cgroupMounts = [...lastMount].filter(([, type]) => type === 'cgroup' || type === 'cgroup2').map(([m]) => m);
const parentLeft = new Map(); // runtime name -> whether /runj was there after its turn
const parentThere = () => cgroupMounts.some((m) => fs.existsSync(path.join(m, 'runj')));
function restoreParent(name) {
  if (!parentLeft.has(name)) return;
  for (const m of cgroupMounts) {
    const dir = path.join(m, 'runj');
    try {
      if (parentLeft.get(name)) fs.mkdirSync(dir);
      else fs.rmdirSync(dir);
    } catch {} // already so, or in use
  }
}

const blank = () => ({ wall: [], cpu: [], rss: [], margin: [], cpuMargin: [] });
const results = Object.fromEntries(runtimes.map(([name]) => [name, { ...Object.fromEntries([...OPS, 'sequence'].map((op) => [op, blank()])), holder: [] }]));
const floor = blank();
for (let i = 0; i < N; i++) {
  // Every other iteration in the reverse order: no runtime always follows the same one.
  for (const [name, cmd] of i % 2 ? [...runtimes].reverse() : runtimes) {
    if (base) restoreParent(name);
    const root = path.join(roots, name);
    const r = (...a) => [...cmd, '--root', root, ...a];
    const t = results[name];
    const id = `bench-${i}`;
    const seq = { wall: 0, floor: 0, cpu: 0, floorCpu: 0 };
    const one = (op, argv, after) => {
      const f = floorRun();
      floor.wall.push(f.wall);
      floor.cpu.push(f.cpu);
      floor.rss.push(f.rss);
      const m = timed(argv);
      t[op].wall.push(m.wall);
      t[op].cpu.push(m.cpu);
      t[op].rss.push(m.rss);
      t[op].margin.push(m.wall - f.wall);
      t[op].cpuMargin.push(m.cpu - f.cpu);
      if (SEQUENCE.includes(op)) {
        seq.wall += m.wall;
        seq.floor += f.wall;
        seq.cpu += m.cpu;
        seq.floorCpu += f.cpu;
      }
      after?.();
    };
    one('create', r('create', '--bundle', sleeper, id), () => {
      const s = JSON.parse(execFileSync(cmd[0], [...cmd.slice(1), '--root', root, 'state', id], { env, encoding: 'utf8' }));
      t.holder.push(holderRss(s.pid));
    });
    one('start', r('start', id));
    one('state', r('state', id));
    one('kill', r('kill', id, 'KILL'));
    for (let k = 0; k < 200; k++) {
      const s = spawnSync(cmd[0], [...cmd.slice(1), '--root', root, 'state', id], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      if (JSON.parse(s.stdout).status === 'stopped') break;
    }
    one('delete', r('delete', id));
    one('run', r('run', '--bundle', quick, `run-${i}`));
    t.sequence.wall.push(seq.wall);
    t.sequence.margin.push(seq.wall - seq.floor);
    t.sequence.cpu.push(seq.cpu);
    t.sequence.cpuMargin.push(seq.cpu - seq.floorCpu);
    parentLeft.set(name, parentThere());
  }
}
if (!diskRoots) execFileSync('umount', [roots]);
fs.rmSync(work, { recursive: true, force: true });

const names = runtimes.map(([n]) => n);
const fmt = (x) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(1));
const mb = (kb) => (kb === undefined || Number.isNaN(kb) ? '-' : (kb / 1024).toFixed(1));
const nodeMs = median(floor.wall);
console.log(
  `median of ${N} alternating runs, ms; node -e 0 (the floor): ${fmt(nodeMs)} ms wall, ${fmt(median(floor.cpu))} ms CPU, ${mb(median(floor.rss))} MB; ` +
    `load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; state roots on ${rootsFs}${diskRoots ? '' : ' (--disk-roots: on the work directory\'s file system)'}\n`,
);
const mine = names.filter((n) => n.startsWith('runj'));
const head = [
  'command',
  ...names,
  'node -e 0',
  ...mine.map((n) => `${n} − node`),
  'budget',
  'verdict',
  ...mine.map((n) => `${n} CPU − node CPU`),
  'verdict (CPU)',
  ...names.map((n) => `${n} RSS MB`),
];
console.log(`| ${head.join(' | ')} |`);
console.log(`|${head.map(() => '---').join('|')}|`);
for (const op of [...OPS, 'sequence']) {
  const floorOp = op === 'sequence' ? SEQUENCE.length * nodeMs : nodeMs;
  const margin = median(results.runj[op].margin);
  const cpuMargin = median(results.runj[op].cpuMargin);
  const row = [
    op === 'sequence' ? SEQUENCE.join('+') : op,
    ...names.map((n) => fmt(median(results[n][op].wall))),
    fmt(floorOp),
    ...mine.map((n) => `+${fmt(median(results[n][op].margin))}`),
    `+${BUDGET[op]}`,
    margin <= BUDGET[op] ? 'PASS' : 'FAIL',
    ...mine.map((n) => `+${fmt(median(results[n][op].cpuMargin))}`),
    cpuMargin <= BUDGET[op] ? 'PASS' : 'FAIL',
    ...names.map((n) => mb(median(results[n][op].rss))),
  ];
  console.log(`| ${row.join(' | ')} |`);
}
// The process that holds a created container until start: runj's helper, runc's and crun's own init.
const holder = ['created: holder VmRSS', ...names.map(() => ''), '', ...mine.map(() => ''), '', '', ...mine.map(() => ''), '', ...names.map((n) => mb(median(results[n].holder)))];
console.log(`| ${holder.join(' | ')} |`);
console.log(
  '\nwall ms per command; runj − node: median of paired differences with a `node -e 0` run just before each command; ' +
    'verdict: that margin against the budget; CPU − node CPU: the same paired difference of user + system ms (wait4), which waiting for a ' +
    'CPU on a loaded machine does not inflate, and its verdict; RSS: peak resident size of the command (wait4), and VmRSS of the process holding a created container.',
);

// The containerd and buildah sections print their own tables (or why they were skipped).
await benchContainerd({ n: N });
await benchBuildah({ builds: Math.max(3, Math.ceil(N / 3)) });
