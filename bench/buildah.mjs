// make bench, buildah section: `buildah bud --isolation oci` of one
// Containerfile of RUN steps (FROM a local busybox image, no network), with
// runj, runc and crun as buildah's --runtime, alternating the runtimes per
// round so that machine drift hits all alike. Each runtime keeps its state
// under the run's own directory (--runtime-flag root=...). Skips itself,
// saying why, when buildah is missing.
// Standalone: node bench/buildah.mjs [BUILDS]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BASE, haveBuildah, startBuildah } from '../scripts/lib/buildah.mjs';
import { percentile } from './stats.mjs';

const REPO = path.resolve(import.meta.dirname, '..');
const STEPS = 5;
const CONTAINERFILE = `FROM ${BASE}
RUN echo one > /step1
RUN mkdir -p /opt/app && echo two > /opt/app/step2
RUN cp /step1 /opt/app/copy && ls /opt/app > /listing
RUN for i in 1 2 3 4 5 6 7 8; do echo line-$i; done > /lines && wc -l /lines
RUN cat /step1 /opt/app/step2 /lines > /combined && rm /opt/app/copy
`;
const which = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).stdout.trim();

/** Measures and prints the section; never throws for a missing buildah. */
export async function benchBuildah({ builds = 5 } = {}) {
  console.log('\n## buildah: `buildah bud --isolation oci`, one Containerfile of 5 RUN steps\n');
  if (!haveBuildah()) {
    console.log('skipped: buildah is not installed (scripts/deps.sh installs it)');
    return;
  }
  // runj as `make install` installs it: dist/runj.cjs itself (#!/usr/bin/env node). buildah's
  // environment here has no NODE_EXTRA_CA_CERTS, which conformance/runj-wrapper.sh exists to
  // drop; the wrapper's own forks (sh, readlink, dirname) would add ~5 ms to every command.
  const runtimes = [['runj', path.join(REPO, 'dist/runj.cjs')]];
  for (const name of ['runc', 'crun']) if (which(name)) runtimes.push([name, which(name)]);
  const b = startBuildah({ hideCgroup2: true });
  const times = Object.fromEntries(runtimes.map(([name]) => [name, []]));
  try {
    const ctx = b.context('bench', CONTAINERFILE);
    const build = (name, runtime) => {
      const root = path.join(b.dir, `root-${name}`);
      const t0 = process.hrtime.bigint();
      const r = b.buildah(b.budArgs(runtime, ctx, `localhost/bench-${name}`, ['--runtime-flag', `root=${root}`]));
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.status !== 0) throw new Error(`buildah bud --runtime ${name}: exit ${r.status}: ${r.stderr.trim().slice(-600)}`);
      return ms;
    };
    for (const [name, runtime] of runtimes) build(name, runtime); // warm caches
    for (let i = 0; i < builds; i++) {
      const order = runtimes.map((_, k) => runtimes[(k + i) % runtimes.length]);
      for (const [name, runtime] of order) times[name].push(build(name, runtime));
    }
  } finally {
    b.stop();
  }
  const fmt = (x) => (x / 1000).toFixed(2);
  const runc = times.runc ? percentile(times.runc, 50) : 0;
  console.log(`${builds} builds each, alternating, seconds\n`);
  console.log(`| runtime | median | p10 | p90 | build / steps | ${runc ? 'vs runc |' : ''}`);
  console.log(`|---|---|---|---|---|${runc ? '---|' : ''}`);
  for (const [name] of runtimes) {
    const med = percentile(times[name], 50);
    const row = [name, fmt(med), fmt(percentile(times[name], 10)), fmt(percentile(times[name], 90)), fmt(med / STEPS)];
    if (runc) row.push(`${(med / runc).toFixed(2)}x`);
    console.log(`| ${row.join(' | ')} |`);
  }
}

if (import.meta.filename === process.argv[1]) {
  if (process.getuid() !== 0) {
    console.error('bench: run as root');
    process.exit(1);
  }
  if (!fs.existsSync(path.join(REPO, 'dist/runj.cjs'))) throw new Error('dist/runj.cjs is missing: run make build');
  await benchBuildah({ builds: Number(process.argv[2] ?? 5) });
}
