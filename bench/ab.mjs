// A/B timing of whole commands on a shared, noisy machine: the commands run
// alternately (A B C A B C ...), so load changes hit every variant alike;
// prints medians of wall time, CPU time and peak RSS, and the lowest CPU time
// (least disturbed by the load: what a small lever is best judged by).
// Usage: node bench/ab.mjs N 'cmd A' 'cmd B' ...   (each command split on spaces)
import * as os from 'node:os';
import { measure, median } from './measure.mjs';

const [n, ...cmds] = process.argv.slice(2);
const N = Number(n);
if (!N || cmds.length === 0) {
  console.error("usage: node bench/ab.mjs N 'cmd A' 'cmd B' ...");
  process.exit(2);
}
const runs = cmds.map(() => ({ wall: [], cpu: [], rss: [] }));
for (let i = 0; i < N; i++) {
  cmds.forEach((c, k) => {
    const t = measure(c.split(' '));
    runs[k].wall.push(t.wall);
    runs[k].cpu.push(t.cpu);
    runs[k].rss.push(t.rss);
  });
}
console.log(`${N} alternating runs each, medians; load ${os.loadavg()[0].toFixed(2)}`);
console.log('| command | wall ms | cpu ms | min cpu ms | peak RSS MB |\n|---|---|---|---|---|');
cmds.forEach((c, k) => {
  const r = runs[k];
  console.log(`| \`${c}\` | ${median(r.wall).toFixed(1)} | ${median(r.cpu).toFixed(1)} | ${Math.min(...r.cpu).toFixed(1)} | ${(median(r.rss) / 1024).toFixed(1)} |`);
});
