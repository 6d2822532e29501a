// Bundles the CLI: dist/runj-main.cjs is one CommonJS file (Node loads it
// ~5-8 ms faster than an ES module graph), started by dist/runj.cjs with a
// V8 code cache made here. The precompiled validators are separate files
// (dist/validators-fast.cjs, dist/validators.cjs) that only create, run and
// exec require.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Module from 'node:module';
import vm from 'node:vm';
import { warmUp } from './warm.mjs';

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: true,
  // No keepNames in the CLI: it wraps every function in a defineProperty call at
  // start-up (176 in the core bundle), 5% of the bytes; nothing there reads a
  // function's name (errors set theirs). The shim keeps names: its event topics
  // are keyed by message class names (shim/proto/events.ts).
  legalComments: 'none',
  logLevel: 'warning',
};

// The validators stay out of the main bundle: loaded through the launcher's
// code cache when there is one, else required from dist/<name>.cjs. The fast
// ones (a verdict only) load with the module that imports them; the full ones
// (every error, worded) when a property is first read: only for a document
// that failed, or a state or features document (src/plan/validate.ts).
const VALIDATORS = {
  validators: { file: 'src/generated/validators.js', lazy: true },
  'validators-fast': { file: 'src/generated/validatorsFast.js', lazy: false },
};
const exportedNames = (file) => [...readFileSync(file, 'utf8').matchAll(/\bexport const (\w+) =/g)].map((m) => m[1]);
const validatorsExternal = {
  name: 'validators-external',
  setup(b) {
    b.onResolve({ filter: /generated\/validators(Fast)?\.js$/ }, (a) => ({
      path: a.path.endsWith('Fast.js') ? 'validators-fast' : 'validators',
      namespace: 'validators-shim',
    }));
    b.onResolve({ filter: /^\.\/validators(-fast)?\.cjs$/ }, (a) => ({ path: a.path, external: true }));
    b.onLoad({ filter: /.*/, namespace: 'validators-shim' }, (a) => {
      const { file, lazy } = VALIDATORS[a.path];
      const load = `(globalThis[Symbol.for('runj.loadCached')] ? globalThis[Symbol.for('runj.loadCached')](${JSON.stringify(a.path)}) : require(${JSON.stringify(`./${a.path}.cjs`)}))`;
      if (!lazy) return { contents: `module.exports = ${load};\n`, loader: 'js' };
      const getters = exportedNames(file).map((n) => `  get ${n}() { return full().${n}; },`);
      return { contents: `let m;\nconst full = () => (m ??= ${load});\nmodule.exports = {\n${getters.join('\n')}\n};\n`, loader: 'js' };
    });
  },
};

// `import * as fs from 'node:fs'` becomes `__toESM(require('node:fs'))` in each
// importing module (esbuild's CommonJS interop): a fresh namespace object with
// a getter for each of the module's own properties, fs's hundred twenty times
// over at start-up. One shim module per built-in instead, whose exports object
// has the built-in as its prototype and no own property: every importer's
// namespace copies nothing and finds each name through the prototype, at the
// time of use (so a name added or replaced later is seen, as with the live
// bindings of an ES module).
const builtinsOnce = {
  name: 'builtins-once',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (a) =>
      a.namespace === 'builtin' ? { path: a.path, external: true } : { path: a.path, namespace: 'builtin' },
    );
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (a) => ({
      contents: `module.exports = Object.create(require(${JSON.stringify(a.path)}));`,
      loader: 'js',
    }));
  },
};

rmSync('dist/chunks', { recursive: true, force: true });
// What the launcher loads (the CLI bundles and the validators) is built here first, then
// wrapped, stamped and renamed into dist/ (below): never rewritten in place there, since a
// running runj maps these files (build/launcher.cjs) and a file cut short under a mapping
// is a SIGBUS when the process next reads it.
const OUT = 'build/out/bundles';
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
await build({
  ...common,
  entryPoints: ['src/main.ts'],
  outfile: `${OUT}/runj-main.cjs`,
  external: ['koffi'],
  plugins: [validatorsExternal, builtinsOnce],
  // Sources are ES modules: give them import.meta.url in the CommonJS bundle.
  banner: { js: 'const __import_meta_url = require("url").pathToFileURL(__filename).href;' },
  define: { 'import.meta.url': '__import_meta_url' },
});
// The per-platform bundles: the core commands (src/cli/coreCommands.ts) and
// create, run and exec (src/cli/launchCommands.ts), each bundle with only its
// platform's backend (the other's modules are replaced by a module that
// refuses to load). The launcher picks one by the command word, so state,
// start, kill and delete read and compile about a third of the full bundle's
// bytes, create, run and exec half (docs/performance.md).
const BACKEND_ENTRIES = { linux: /platform\/linux\/(sandbox|procinfo)\.js$/, freebsd: /platform\/freebsd\/sandbox\.js$/ };
const withoutBackend = (absent) => ({
  name: `without-${absent}`,
  setup(b) {
    b.onResolve({ filter: BACKEND_ENTRIES[absent] }, (a) => ({ path: a.path, namespace: 'absent-backend' }));
    b.onLoad({ filter: /.*/, namespace: 'absent-backend' }, () => ({
      contents: `import { RuntimeError } from './src/core/errors.ts';\nthrow new RuntimeError('ESYSTEM', 'no ${absent} backend in this build of runj for ${'${'}process.platform}');\n`,
      resolveDir: process.cwd(),
      loader: 'ts',
    }));
  },
});
const CORE_PLATFORMS = ['linux', 'freebsd'];
// The per-platform bundles: their entry, the table the launcher reads their
// command names from, and whether the validators may be in them (as a shim
// that loads dist/validators*.cjs: the launch bundle's commands validate).
const SETS = {
  core: { entry: 'src/mainCore.ts', table: ['src/cli/coreCommands.ts', 'CORE_COMMANDS'], validators: false },
  launch: { entry: 'src/mainLaunch.ts', table: ['src/cli/launchCommands.ts', 'LAUNCH_COMMANDS'], validators: true },
};
for (const [set, { entry, validators }] of Object.entries(SETS)) {
  for (const platform of CORE_PLATFORMS) {
    const absent = CORE_PLATFORMS.find((p) => p !== platform);
    const r = await build({
      ...common,
      entryPoints: [entry],
      outfile: `${OUT}/runj-${set}-${platform}.cjs`,
      external: ['koffi'],
      plugins: [validatorsExternal, builtinsOnce, withoutBackend(absent)],
      banner: { js: 'const __import_meta_url = require("url").pathToFileURL(__filename).href;' },
      define: { 'import.meta.url': '__import_meta_url' },
      metafile: true,
    });
    // Nothing of the other platform but its signal table (runtime/backends.ts); the core
    // bundle not even the validators' shim.
    const stray = Object.keys(r.metafile.inputs).filter(
      (f) =>
        (f.startsWith(`src/platform/${absent}/`) && f !== 'src/platform/freebsd/signals.ts') ||
        (!validators && /generated\/validators|validators-shim/.test(f)),
    );
    if (stray.length) throw new Error(`runj-${set}-${platform}.cjs would carry ${stray.join(', ')}`);
  }
}

// The launcher starts a per-platform bundle for these commands: their names, from the tables themselves.
const exported = async (file, name) => {
  const source = await build({ entryPoints: [file], format: 'cjs', platform: 'node', write: false, logLevel: 'warning' });
  const mod = { exports: {} };
  new Function('module', 'exports', 'require', source.outputFiles[0].text)(mod, mod.exports, () => ({}));
  return mod.exports[name];
};
const commandNames = async (file, name) => Object.keys(await exported(file, name));
const bundleCommands = {};
for (const [set, { table }] of Object.entries(SETS)) bundleCommands[set] = await commandNames(...table);

// containerd-shim-runj-v1 runs directly (a long-lived server: the code cache would
// save ~2 ms once per shim); it shares dist/validators.cjs with the CLI.
// --no-warnings: containerd merges the shim's stderr into `start`'s reply, and
// some warnings (NODE_OPTIONS' --experimental-loader) print before any of our code runs.
await build({
  ...common,
  entryPoints: ['src/shim/main.ts'],
  outfile: 'dist/containerd-shim-runj-v1.cjs',
  keepNames: true,
  external: ['koffi'],
  plugins: [validatorsExternal, builtinsOnce],
  banner: { js: '#!/usr/bin/env -S node --no-warnings\nconst __import_meta_url = require("url").pathToFileURL(__filename).href;' },
  define: { 'import.meta.url': '__import_meta_url' },
});
chmodSync('dist/containerd-shim-runj-v1.cjs', 0o755);
for (const [name, { file }] of Object.entries(VALIDATORS)) await build({ ...common, entryPoints: [file], outfile: `${OUT}/${name}.cjs` });

// The code caches must be made from exactly what the launcher compiles. A cache holds
// the functions compiled when it is made: the bundles' only their top level (a cache
// warmed by running commands was measured no faster: it is larger to read). The
// validators' is made after validating the default configs of both platforms and
// their processes, so create and exec find validateConfig and validateProcess
// compiled: their first call 2.3 -> 0.3 ms, the cache's load +0.5 ms.
const sampleConfigs = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'runj-build-'));
  try {
    return Object.fromEntries(['linux', 'freebsd'].map((platform) => {
      const bundle = path.join(dir, platform);
      mkdirSync(bundle);
      const r = spawnSync(process.execPath, ['dist/runj.cjs', 'spec', '--platform', platform, '--bundle', bundle], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`runj spec --platform ${platform}: ${r.stderr}`);
      return [platform, JSON.parse(readFileSync(path.join(bundle, 'config.json'), 'utf8'))];
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
// The host's launch bundle is warmed by one create run in it (build/warm.mjs): create's wall
// time -4 to -7 ms. Another platform's cannot run here; it keeps its top level only.
const perPlatform = Object.keys(SETS).flatMap((set) => CORE_PLATFORMS.map((p) => `runj-${set}-${p}`));
// Each file the launcher loads is written wrapped, so that the launcher compiles it as it
// lies, mapped (build/launcher.cjs): a script whose value is the module function Node's
// Module.wrap would make of the bundle. The same file still works as a module: inside a
// module function (Node's require, which the containerd shim uses for the validators, or
// a launcher that wraps it again, as the previous build's did), where `arguments` is
// that function's, it calls the module function itself with the module's own. At the top
// level of a script, where the launcher compiles it, there is no `arguments`: the script's
// value is the function, for the launcher to call. The module function is in parentheses,
// as in Module.wrap's text: V8 then compiles it with the top level, so that even a cache of
// the top level alone (the core bundles') holds it (unparenthesized, it was compiled at its
// call: +2.8 ms for `state`).
const WRAP_HEAD =
  '(function (wrapped, inModule) { if (inModule) wrapped(exports, require, module, __filename, __dirname); return wrapped; })(' +
  '(function (exports, require, module, __filename, __dirname) {\n';
const WRAP_TAIL = '\n}), typeof arguments === "object");';
/** Writes `file` beside itself and renames it into place (with `mode`, if given). */
const replace = (file, data, mode) => {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data, 'latin1');
  if (mode !== undefined) chmodSync(tmp, mode);
  renameSync(tmp, file);
};
/** Runs a warm-up: where the build is tested (Linux) its failure fails the build; elsewhere the cache is cold, as it was. */
async function warmed(name, warmUpNow) {
  try {
    await warmUpNow();
  } catch (err) {
    if (process.platform === 'linux') throw err;
    console.warn(`bundle: ${name}: warm-up failed (${err.message}); its code cache holds the top level only`);
  }
}
// The launch bundle's commands whose code cache is their own, `dist/<bundle>.<command>.cache`,
// warmed by the command: run's start, wait and delete in create's cache cost create +0.8 ms.
const CACHE_COMMANDS = ['run'];
const LOADED = ['runj-main', ...Object.keys(VALIDATORS), ...perPlatform];
const scripts = {};
for (const name of LOADED) {
  const file = `${process.cwd()}/dist/${name}.cjs`;
  const text = `${WRAP_HEAD}${readFileSync(`${OUT}/${name}.cjs`, 'latin1')}${WRAP_TAIL}`;
  // The stamp (build/launcher.cjs): the file's digest at its end and at its cache's start.
  const stamp = createHash('sha256').update(text, 'latin1').digest('hex');
  const stamped = `${text}\n// runj-bundle ${stamp}\n`;
  replace(file, stamped);
  scripts[name] = { file, stamp, stamped };
}
// The launcher last, once the files it loads are in place (a new launcher cannot run the
// previous build's bundles, which are not wrapped), and likewise by rename.
const launcher = readFileSync('build/launcher.cjs', 'utf8');
const slots = { '/*BUNDLE_COMMANDS*/{}': bundleCommands, '/*CACHE_COMMANDS*/[]': CACHE_COMMANDS };
let filled = launcher;
for (const [slot, value] of Object.entries(slots)) {
  if (!launcher.includes(slot)) throw new Error(`build/launcher.cjs: no ${slot} to fill in`);
  filled = filled.replace(slot, JSON.stringify(value));
}
replace('dist/runj.cjs', filled, 0o755);
const configs = sampleConfigs();
for (const name of LOADED) {
  const { file, stamp, stamped } = scripts[name];
  const script = new vm.Script(stamped, { filename: file });
  if (name in VALIDATORS) {
    const mod = { exports: {} };
    script.runInThisContext()(mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
    for (const config of Object.values(configs)) {
      if (!mod.exports.validateConfig(config)) throw new Error(`the default config does not validate: ${JSON.stringify(mod.exports.validateConfig.errors)}`);
      if (!mod.exports.validateProcess(config.process)) throw new Error('the default process does not validate');
    }
  }
  const host = name === `runj-launch-${process.platform}`;
  if (host) await warmed(name, () => warmUp(script, file, configs[process.platform]));
  // The head padded to 128 bytes, so V8's data starts aligned (build/launcher.cjs).
  const head = Buffer.alloc(128, ' ');
  head.write(`runj-cache ${stamp}\n`, 'latin1');
  replace(`dist/${name}.cache`, Buffer.concat([head, script.createCachedData()]));
  // The commands with a cache of their own (CACHE_COMMANDS): run's is warmed by a run, after
  // create's cache is made (the same source compiled again in this process finds create's
  // functions compiled, and run creates too). Another platform's bundle gets a copy of its top level.
  if (!name.startsWith('runj-launch-')) continue;
  for (const command of CACHE_COMMANDS) {
    const again = new vm.Script(stamped, { filename: file });
    if (host) await warmed(name, () => warmUp(again, file, configs[process.platform], command));
    replace(`dist/${name}.${command}.cache`, Buffer.concat([head, again.createCachedData()]));
  }
}
rmSync(OUT, { recursive: true, force: true });
