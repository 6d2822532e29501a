#!/usr/bin/env node
// Import direction and cycles of runj's TypeScript sources (`make lint`).
//
// Usage: node scripts/layers.mjs [SRC_DIR]     (default: src)
//
// The sources are layers, highest first; a file may import only from its own
// layer or a lower one, so that the low layers (the plan, the core) stay pure
// and testable alone, and a change high up never ripples down. Every kind of
// import counts: static, `import type`, `export ... from`, `import()` and
// `typeof import()`: a type-only import still ties the lower layer's meaning
// to the higher one, and a dynamic one is still a dependency, only deferred.
// Prints one line per violation and exits 1, or a one-line summary and 0.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { findCycles } from './lib/cycles.mjs';

// require, not import: Node's ESM loader would first scan all of
// typescript.js (9 MB, CommonJS) for its exports: half a second here.
const ts = createRequire(import.meta.url)('typescript');

// Highest first; a file's rank is its index from the bottom. The containerd
// shim (shim/) is a front end like the CLI: it drives the runtime in-process.
const LAYERS = ['cli', 'shim', 'demo', 'runtime', 'platform', 'backend', 'plan', 'core'];
const rank = (layer) => LAYERS.length - LAYERS.indexOf(layer);
// Top-level folder (or file) of SRC_DIR -> layer. Anything else is in no
// layer and an error, so a new folder has to be placed here deliberately.
const PLACES = {
  'main.ts': 'cli', 'mainCore.ts': 'cli', 'mainLaunch.ts': 'cli', cli: 'cli', shim: 'shim', demo: 'demo', runtime: 'runtime', platform: 'platform',
  backend: 'backend', plan: 'plan', generated: 'plan', core: 'core',
};
const layerOf = (rel) => (Object.hasOwn(PLACES, rel.split('/')[0]) ? PLACES[rel.split('/')[0]] : null);
// Inside platform: each backend apart; files directly in platform/ are shared.
const platformPart = (rel) => (/^platform\/(linux|freebsd)\//.exec(rel)?.[1] ?? 'shared');
// The one runtime file that picks a backend, and so may see platform/**.
const BACKEND_SELECTION = 'runtime/backends.ts';

const srcArg = process.argv[2] ?? 'src';
const srcDir = path.resolve(srcArg);
const rel = (abs) => path.relative(srcDir, abs).split(path.sep).join('/');
const shown = (r) => path.join(srcArg, r);

function tsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

// The relative module specifiers of a file, with their line. Bare ones
// (node:fs, koffi) are outside the layering.
function importsOf(file) {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found = [];
  const add = (node, spec) => {
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    // import(variable) hides its target from this check: an error itself.
    if (!ts.isStringLiteralLike(spec)) found.push({ spec: null, line });
    else if (spec.text.startsWith('.')) found.push({ spec: spec.text, line });
  };
  const walk = (node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      add(node, node.moduleSpecifier);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      if (node.arguments[0]) add(node, node.arguments[0]);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression);
    }
    ts.forEachChild(node, walk);
  };
  walk(sf);
  return found;
}

// `./x.js` is x.ts, or x.d.ts / x.js for src/generated. An unbuilt target
// keeps its first candidate's path: its layer is still known from it.
function resolve(from, spec) {
  const abs = path.resolve(path.dirname(from), spec);
  const base = abs.replace(/\.js$/, '');
  const candidates = [`${base}.ts`, `${base}.d.ts`, abs, path.join(abs, 'index.ts')];
  return candidates.find((c) => statSync(c, { throwIfNoEntry: false })?.isFile()) ?? candidates[0];
}

const files = tsFiles(srcDir).sort();
const graph = new Map(files.map((f) => [rel(f), new Set()]));
const errors = [];
let imports = 0;
const report = (r, line, kind, text) => errors.push(`${shown(r)}:${line}: ${kind}: ${text}`);

for (const file of files) {
  const from = rel(file);
  const fromLayer = layerOf(from);
  if (!fromLayer) report(from, 1, 'no-layer', `${from} is outside every layer (${Object.keys(PLACES).join(' ')})`);
  for (const { spec, line } of importsOf(file)) {
    if (spec === null) {
      report(from, line, 'computed-import', `${from}: import() of a computed specifier; use a string literal`);
      continue;
    }
    imports++;
    const to = rel(resolve(file, spec));
    const toLayer = to.startsWith('../') ? null : layerOf(to);
    graph.get(from).add(to);
    const what = `${from} (${fromLayer ?? 'none'}) imports ${to} (${toLayer ?? 'none'})`;
    if (!fromLayer) continue; // already reported once for the file
    if (!toLayer) {
      report(from, line, 'no-layer', what);
    } else if (rank(toLayer) > rank(fromLayer)) {
      report(from, line, 'upward', what);
    } else if (fromLayer === 'runtime' && toLayer === 'platform' && from !== BACKEND_SELECTION) {
      // One seam between operations and backends: every operation sees only
      // the Sandbox interface, so a backend can change without the runtime.
      report(from, line, 'runtime-platform', `${what}; runtime must reach platforms through ${BACKEND_SELECTION}`);
    } else if (fromLayer === 'platform' && toLayer === 'platform') {
      // Linux and FreeBSD never share code but through platform/*.ts, and the
      // shared files must not depend on one backend (the other would carry it).
      const a = platformPart(from);
      const b = platformPart(to);
      if (a !== b && b !== 'shared') report(from, line, a === 'shared' ? 'shared-platform' : 'cross-platform', what);
    }
  }
}

// Cycles, every kind of import counted: a cycle makes module evaluation
// order matter and the two files one unit in all but name.
for (const { cycle, size } of findCycles(graph)) {
  const line = importsOf(path.join(srcDir, cycle[0])).find(
    ({ spec }) => spec !== null && rel(resolve(path.join(srcDir, cycle[0]), spec)) === cycle[1],
  )?.line;
  const more = size > cycle.length - 1 ? ` (one of ${size} files importing each other)` : '';
  report(cycle[0], line ?? 1, 'cycle', `${cycle.join(' -> ')}${more}`);
}

if (errors.length > 0) {
  for (const e of errors) console.error(e);
  console.error(`layers: ${errors.length} violation(s) in ${srcArg}`);
  process.exit(1);
}
const used = new Set(files.map((f) => layerOf(rel(f))));
console.log(`layers: ${files.length} files, ${imports} relative imports, ${used.size} layers (${LAYERS.filter((l) => used.has(l)).join(' > ')}), no upward import, no cycle`);
