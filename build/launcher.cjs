#!/usr/bin/env node
// runj's entry point: runs a bundle with the V8 code cache made at build time
// (dist/<bundle>.cache), which saves ~2 ms of compiling on every command, and
// offers the same to the validators that create, run and exec load. The core
// commands (src/cli/coreCommands.ts) run dist/runj-core-<platform>.cjs, a
// third of the size of dist/runj-main.cjs, which has every command; create,
// run and exec (src/cli/launchCommands.ts) dist/runj-launch-<platform>.cjs,
// half its size. The build writes both tables' names below.
// A cache from another Node version is rejected by V8, and one from another
// build by its stamp (loadCached): the file is then simply compiled as usual.
'use strict';
// For the phase trace (src/core/trace.ts): when Node handed over to this file, so
// Node's own pre-execution is told apart from loading runj. Only when asked for.
const tracing = Boolean(process.env.RUNJ_TRACE || process.argv.includes('--debug'));
if (tracing) globalThis[Symbol.for('runj.launched')] = performance.now();
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

// runj's addon (native/runj-sys.node, beside dist/), for every command: loaded here once,
// first, it maps the files below, src/core/sys.ts takes it from here, and the command ends
// with its _exit (src/cli/entry.ts), which saves more than loading it costs even where the
// command makes no other use of it (state, kill: docs/performance.md).
let sys;
function loadAddon() {
  try {
    const addon = { exports: {} };
    process.dlopen(addon, path.join(__dirname, '..', 'native', 'runj-sys.node'));
    sys = addon.exports;
    globalThis[Symbol.for('runj.sys')] = sys;
  } catch {}
}

// Each bundle is compiled where it lies. The build writes it wrapped (a script whose value
// is the module function: build/bundle.mjs), so the text V8 compiles is the file itself:
// mapped (runj-sys.node's mapFile) and made an external string over the mapping (latin1),
// not read into a buffer and copied into a string. Every 4 kB page a process touches for
// the first time costs a page fault (~15 us on the development VM), and the copies were two
// fresh pages per page of bundle; a mapping brings in the page cache's pages as they are
// read, up to 16 at a fault (docs/performance.md). The bundles are ASCII (esbuild escapes
// the rest), so a one-byte string of their bytes is their text. Where the addon or Node
// cannot (no addon, Node before 20.4), the file is read, as it was.
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
// before using it (~1 ms for create's); a mapping, like a file read into a Buffer, starts aligned.
const CACHE_HEAD = 128;

/** The file's bytes: a Buffer over its mapping (`map`, an ArrayBuffer), or read when it cannot be mapped. */
function contents(file) {
  const map = sys?.mapFile?.(file);
  return map instanceof ArrayBuffer ? { map, bytes: Buffer.from(map) } : { map: undefined, bytes: fs.readFileSync(file) };
}

/** Runs dist/<name>.cjs with its code cache: dist/<name>.cache, or a command's own (`variant`: `.run`). */
function loadCached(name, variant = '') {
  const file = path.join(__dirname, `${name}.cjs`);
  const { map, bytes } = contents(file);
  const n = bytes.length;
  const end = n >= STAMP_LEN ? bytes.latin1Slice(n - STAMP_LEN, n) : '';
  const stamp = end.startsWith(STAMP_HEAD) && end.endsWith('\n') ? end.slice(STAMP_HEAD.length, -1) : undefined;
  // An external string over the mapping only: over a buffer that was read, V8 would free the
  // memory under the string (the addon refuses it anyway).
  const external = map ? sys.latin1?.(map, 0, n) : undefined;
  const source = typeof external === 'string' ? external : bytes.latin1Slice(0, n);
  let cachedData;
  try {
    const cacheFile = path.join(__dirname, `${name}${variant}.cache`);
    const cache = contents(cacheFile).bytes;
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
  if (!set || argv.slice(0, at).some((w) => w === '--help' || w === '-h')) return { name: 'runj-main' };
  const name = process.platform === 'linux' || process.platform === 'freebsd' ? `runj-${set}-${process.platform}` : 'runj-main';
  // A launch command warmed into a code cache of its own (build/bundle.mjs: run's).
  const variant = name !== 'runj-main' && set === 'launch' && /*CACHE_COMMANDS*/[].includes(argv[at]) ? `.${argv[at]}` : '';
  return { name, variant };
}

const { name: chosen, variant } = bundle(process.argv.slice(2));
loadAddon();
// For the trace's load.core / load.launch / load.main (src/core/trace.ts): which bundle runs.
globalThis[Symbol.for('runj.bundle')] = chosen;
globalThis[Symbol.for('runj.loadCached')] = loadCached;
loadCached(chosen, variant);
