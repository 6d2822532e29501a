#!/usr/bin/env node
// Cycles between the helper's translation units (`make lint`).
//
// Usage: node scripts/c-cycles.mjs DIR | FILE.o...
//        (`make -C native objects` writes the Linux helper's objects to native/obj)
//
// A file depends on the file that defines a global symbol it uses: `nm -u`
// lists what an object needs, `nm --defined-only -g` what it offers. Two
// files that need each other are one unit split in two: neither can be read,
// tested or replaced alone, and the split only hides that. Prints each cycle
// with the symbols that make it and exits 1, or a one-line summary and 0.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { findCycles } from './lib/cycles.mjs';

const args = process.argv.slice(2);
if (args.length === 0) {
  console.error('usage: node scripts/c-cycles.mjs DIR | FILE.o...');
  process.exit(2);
}
const objects = args
  .flatMap((a) =>
    statSync(a).isDirectory()
      ? readdirSync(a)
          .filter((f) => f.endsWith('.o'))
          .map((f) => path.join(a, f))
      : [a],
  )
  .sort();
if (objects.length === 0) {
  console.error(`c-cycles: no .o file in ${args.join(' ')}`);
  process.exit(2);
}

// Symbol names from nm's lines ("[address] TYPE name"): the last field.
const nm = (flags, file) =>
  execFileSync('nm', [...flags, file], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().split(/\s+/).pop())
    .filter(Boolean);

const name = (o) => path.basename(o);
const definedBy = new Map(); // symbol -> object
for (const o of objects) for (const s of nm(['--defined-only', '-g'], o)) definedBy.set(s, name(o));

// object -> Set of objects; and which symbols each edge stands for.
const graph = new Map(objects.map((o) => [name(o), new Set()]));
const via = new Map();
let edges = 0;
for (const o of objects) {
  for (const s of nm(['-u'], o)) {
    const to = definedBy.get(s);
    if (!to || to === name(o)) continue; // libc, libseccomp, or its own
    if (!graph.get(name(o)).has(to)) edges++;
    graph.get(name(o)).add(to);
    const key = `${name(o)} ${to}`;
    via.set(key, [...(via.get(key) ?? []), s]);
  }
}

const cycles = findCycles(graph);
for (const { cycle, size } of cycles) {
  const steps = cycle.slice(1).map((to, i) => `${to} (${via.get(`${cycle[i]} ${to}`).sort().join(', ')})`);
  const more = size > cycle.length - 1 ? ` [one of ${size} files using each other]` : '';
  console.error(`cycle: ${cycle[0]} -> ${steps.join(' -> ')}${more}`);
}
if (cycles.length > 0) {
  console.error(`c-cycles: ${cycles.length} cycle(s) between ${objects.length} objects (each step names the symbols used)`);
  process.exit(1);
}
console.log(`c-cycles: ${objects.length} objects, ${edges} dependencies between them, no cycle`);
