#!/usr/bin/env node
// runj's entry point: runs a bundle with the V8 code cache made at build time
// (dist/<bundle>.cache), which saves ~2 ms of compiling on every command, and
// offers the same to the validators that create, run and exec load. The core
// commands (src/cli/coreCommands.ts) run dist/runj-core-<platform>.cjs, a
// third of the size of dist/runj-main.cjs, which has every command; create,
// run and exec (src/cli/launchCommands.ts) dist/runj-launch-<platform>.cjs,
// half its size. The build writes both tables' names below.
// A cache from another Node version is rejected by V8, and one from another
// build by its stamp (readWrapped): the file is then simply compiled as usual.
'use strict';
// For the phase trace (src/core/trace.ts): when Node handed over to this file, so
// Node's own pre-execution is told apart from loading runj. Only when asked for.
const tracing = Boolean(process.env.RUNJ_TRACE || process.argv.includes('--debug'));
if (tracing) globalThis[Symbol.for('runj.launched')] = performance.now();
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

// Module.wrap(the file's text) made as one string. Module.wrap's concatenation is a
// rope that V8 flattens into a second copy to compile it; both copies are made in
// the young generation, whose first 1 MB a command fills with little else, and a
// scavenge there costs ~2 ms (docs/performance.md). Read into a buffer (outside
// the heap) between the wrapper's halves, the text is made once. The bundles are
// ASCII (esbuild escapes the rest): latin1 is a plain copy into a one-byte string,
// where utf8 would validate and decode every byte.
// Also the bundle's stamp: the build ends each bundle with `// runj-bundle <sha256 of
// the rest>` and starts its cache with `runj-cache <the same>`. V8 checks a cache
// against its source's length only, and runs the cached functions of whatever
// source it was made from: a bundle rebuilt or replaced at the same length would run
// its old code. A cache whose stamp is not the bundle's is not used. The stamp marks
// the build a bundle comes from; it is not a check of the bundle's contents (the
// launcher does not hash them): a bundle edited in place, stamp kept, is not caught.
// Plain string tests, not a regular expression: V8 compiles one on its first use (~0.15 ms).
const STAMP_HEAD = '\n// runj-bundle ';
const STAMP_LEN = STAMP_HEAD.length + 64 + 1;
// The cache's head is padded to 128 bytes: V8 copies cache data that is not pointer-aligned
// before using it (~1 ms for create's); a file read into a Buffer starts aligned.
const CACHE_HEAD = 128;
function readWrapped(file) {
  const [head, tail] = Module.wrapper;
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.allocUnsafeSlow(head.length + size + tail.length);
    buf.latin1Write(head, 0);
    let got = 0;
    for (let n; got < size && (n = fs.readSync(fd, buf, head.length + got, size - got, got)) > 0; ) got += n;
    if (got !== size) throw new Error(`${file}: read ${got} of ${size} bytes`);
    const end = size >= STAMP_LEN ? buf.latin1Slice(head.length + size - STAMP_LEN, head.length + size) : '';
    const stamp = end.startsWith(STAMP_HEAD) && end.endsWith('\n') ? end.slice(STAMP_HEAD.length, -1) : undefined;
    buf.latin1Write(tail, head.length + size);
    return { source: buf.latin1Slice(0, buf.length), stamp };
  } finally {
    fs.closeSync(fd);
  }
}

function loadCached(name) {
  const file = path.join(__dirname, `${name}.cjs`);
  const { source, stamp } = readWrapped(file);
  let cachedData;
  try {
    const cache = fs.readFileSync(path.join(__dirname, `${name}.cache`));
    if (stamp && cache.length > CACHE_HEAD && cache.latin1Slice(0, 76) === `runj-cache ${stamp}\n`) cachedData = cache.subarray(CACHE_HEAD);
  } catch {}
  const script = new vm.Script(source, { filename: file, cachedData });
  // The trace names a bundle compiled without its cache (missing, not this bundle's, or
  // rejected by V8): cache.cold.<name>.
  if (tracing && (!cachedData || script.cachedDataRejected)) (globalThis[Symbol.for('runj.coldCaches')] ??= []).push(name);
  const mod = { exports: {}, filename: file, id: file };
  script.runInThisContext()(mod.exports, Module.createRequire(file), mod, file, __dirname);
  return mod.exports;
}

// The command word as src/cli/entry.ts finds it: the first word that is neither a
// flag nor a global flag's value. Global help lists every command: the full bundle.
function bundle(argv) {
  const sets = /*BUNDLE_COMMANDS*/{};
  const at = argv.findIndex((w, i) => !w.startsWith('-') && !/^--(root|log|log-format|rootless|criu)$/.test(argv[i - 1] ?? ''));
  const set = at < 0 ? undefined : Object.keys(sets).find((s) => sets[s].includes(argv[at]));
  if (!set || argv.slice(0, at).some((w) => w === '--help' || w === '-h')) return 'runj-main';
  return process.platform === 'linux' || process.platform === 'freebsd' ? `runj-${set}-${process.platform}` : 'runj-main';
}

const chosen = bundle(process.argv.slice(2));
// For the trace's load.core / load.launch / load.main (src/core/trace.ts): which bundle runs.
globalThis[Symbol.for('runj.bundle')] = chosen;
globalThis[Symbol.for('runj.loadCached')] = loadCached;
loadCached(chosen);
