// make bench, containerd section: our shim (dist/containerd-shim-runj-v1)
// against containerd's runc shim (containerd-shim-runc-v2 + runc) under one
// private containerd 1.6 (scripts/lib/containerd.mjs):
//  - `ctr run --rm IMAGE ID true`, N times each, alternating the two so that
//    machine drift hits both alike: median, p10, p90, ratio; once with the
//    shim's default (an idle shim lingers) and once with a new shim per run;
//  - resident memory (VmRSS) of the shim processes and of the runtime's
//    helper processes (a shim's descendants outside the containers' pid
//    namespaces) while ten `sleep 1000` containers run detached.
// Skips itself, saying why, when containerd, ctr or umoci are missing.
// Standalone: node bench/containerd.mjs [N]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { IMAGE, SHIM, haveContainerd, pidsWith, startContainerd } from '../scripts/lib/containerd.mjs';
import { percentile } from './stats.mjs';

const DETACHED = 10;
const which = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).stdout.trim();

const readProc = (pid, file) => {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return '';
  }
};
const rssKiB = (pid) => Number(/^VmRSS:\s+(\d+)/m.exec(readProc(pid, 'status'))?.[1] ?? 0);
const ppid = (pid) => Number(readProc(pid, 'stat').replace(/^.*\) /s, '').split(' ')[1] ?? 0);
const pidns = (pid) => {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return '';
  }
};

/** Descendants of `roots` in the roots' own pid namespace: helpers, not container processes. */
function helpersOf(roots) {
  const children = new Map();
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    const pp = ppid(p);
    if (!children.has(pp)) children.set(pp, []);
    children.get(pp).push(Number(p));
  }
  const out = [];
  for (const root of roots) {
    const ns = pidns(root);
    const queue = [...(children.get(root) ?? [])];
    while (queue.length) {
      const p = queue.shift();
      if (pidns(p) !== ns || roots.includes(p)) continue;
      out.push(p);
      queue.push(...(children.get(p) ?? []));
    }
  }
  return out;
}

function runOnce(cd, runtime, id) {
  const t0 = process.hrtime.bigint();
  const r = cd.ctr(['run', '--rm', '--runtime', runtime, IMAGE, id, 'true']);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`ctr run --runtime ${runtime}: exit ${r.status}: ${r.stderr.trim()}`);
  return ms;
}

async function memory(cd, name, runtime, shimBinary) {
  const ids = Array.from({ length: DETACHED }, (_, i) => `mem-${name}-${i}`);
  try {
    for (const id of ids) {
      const r = cd.ctr(['run', '-d', '--runtime', runtime, IMAGE, id, 'sleep', '1000']);
      if (r.status !== 0) throw new Error(`ctr run -d --runtime ${runtime}: ${r.stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 1000)); // let the last shim settle after its Start
    const shims = pidsWith(shimBinary, cd.sock);
    const helpers = helpersOf(shims);
    const sum = (pids) => pids.reduce((a, p) => a + rssKiB(p), 0);
    return { shims: shims.length, shimKiB: sum(shims), helpers: helpers.length, helperKiB: sum(helpers) };
  } finally {
    for (const id of ids) {
      cd.ctr(['task', 'kill', '-s', 'SIGKILL', id]);
      cd.ctr(['task', 'delete', '-f', id]);
      cd.ctr(['containers', 'rm', id]);
    }
  }
}

/** Measures and prints the section; returns nothing, never throws for a missing containerd. */
export async function benchContainerd({ n = 15 } = {}) {
  console.log('\n## containerd 1.6: our shim against containerd-shim-runc-v2 + runc\n');
  if (!haveContainerd()) {
    console.log('skipped: containerd, ctr or umoci is not installed (scripts/deps.sh installs them)');
    return;
  }
  if (!fs.existsSync(SHIM)) throw new Error(`${SHIM} is missing: run make build`);
  const runtimes = [['runj', SHIM, 'containerd-shim-runj-v1']];
  if (which('containerd-shim-runc-v2') && which('runc')) runtimes.push(['runc', 'io.containerd.runc.v2', 'containerd-shim-runc-v2']);
  else console.log('(runc or containerd-shim-runc-v2 missing: runj only)');

  // Two containerds in turn: the shim's default (an idle shim lingers 10 s, so
  // each run after the first joins it) and RUNJ_SHIM_LINGER=0 (a new shim,
  // a new Node process, for every run); runc's shim is timed under both.
  const rows = [];
  const mem = {};
  for (const [label, linger] of [['default', ''], ['RUNJ_SHIM_LINGER=0', '0']]) {
    const cd = await startContainerd({ namespace: `bench${process.pid}`, env: { RUNJ_SHIM_LINGER: linger } });
    const times = Object.fromEntries(runtimes.map(([name]) => [name, []]));
    try {
      for (const [name, runtime] of runtimes) runOnce(cd, runtime, `warm-${name}`);
      for (let i = 0; i < n; i++) {
        // Alternate which goes first, so neither always follows the other.
        const order = i % 2 ? [...runtimes].reverse() : runtimes;
        for (const [name, runtime] of order) times[name].push(runOnce(cd, runtime, `run-${name}-${i}`));
      }
      if (linger === '') for (const [name, runtime, bin] of runtimes) mem[name] = await memory(cd, name, runtime, bin);
    } finally {
      await cd.stop();
    }
    const left = [...pidsWith('containerd-shim-runj-v1', cd.sock), ...pidsWith('containerd-shim-runc-v2', cd.sock)];
    if (left.length) console.log(`WARNING: shim processes left behind: ${left.join(' ')}`);
    const cgroups = fs.readdirSync('/sys/fs/cgroup').filter((h) => fs.existsSync(`/sys/fs/cgroup/${h}/${cd.namespace}`));
    if (cgroups.length) console.log(`WARNING: cgroup ${cd.namespace} left behind in ${cgroups.join(' ')}`);
    rows.push([label, times]);
  }

  const fmt = (x) => x.toFixed(1);
  const group = process.env.RUNJ_SHIM_GROUP ? ` (RUNJ_SHIM_GROUP=${process.env.RUNJ_SHIM_GROUP})` : '';
  console.log(`\`ctr run --rm ${IMAGE} ID true\`, ${n} runs each, alternating, ms${group}\n`);
  console.log('| runtime | shim | median | p10 | p90 | runj/runc |');
  console.log('|---|---|---|---|---|---|');
  for (const [label, times] of rows) {
    const med = Object.fromEntries(runtimes.map(([name]) => [name, percentile(times[name], 50)]));
    for (const [name] of runtimes) {
      const ratio = name === 'runj' && med.runc ? `${(med.runj / med.runc).toFixed(2)}x` : '';
      const shim = name === 'runj' ? (label === 'default' ? 'lingers 10 s idle (default)' : 'new per run (RUNJ_SHIM_LINGER=0)') : 'new per run';
      console.log(`| ${name} | ${shim} | ${fmt(med[name])} | ${fmt(percentile(times[name], 10))} | ${fmt(percentile(times[name], 90))} | ${ratio} |`);
    }
  }

  const mib = (k) => (k / 1024).toFixed(1);
  console.log(`\nresident memory (VmRSS) with ${DETACHED} containers running detached (\`sleep 1000\`), MiB\n`);
  console.log('| runtime | shim processes | shims RSS | helper processes | helpers RSS | total | per container |');
  console.log('|---|---|---|---|---|---|---|');
  for (const [name] of runtimes) {
    const m = mem[name];
    const total = m.shimKiB + m.helperKiB;
    console.log(`| ${name} | ${m.shims} | ${mib(m.shimKiB)} | ${m.helpers} | ${mib(m.helperKiB)} | ${mib(total)} | ${mib(total / DETACHED)} |`);
  }
}

if (import.meta.filename === process.argv[1]) {
  if (process.getuid() !== 0) {
    console.error('bench: run as root');
    process.exit(1);
  }
  await benchContainerd({ n: Number(process.argv[2] ?? 15) });
}
