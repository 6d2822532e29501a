// Bundles the CLI: dist/runj-main.cjs is one CommonJS file (Node loads it
// ~5-8 ms faster than an ES module graph), started by dist/runj.cjs with a
// V8 code cache made here. The precompiled validators are a separate file
// (dist/validators.cjs) that only create and exec require.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Module from 'node:module';
import vm from 'node:vm';

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: true,
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
};

// The validators stay out of the main bundle: loaded through the launcher's
// code cache when there is one, else required from dist/validators.cjs.
const validatorsExternal = {
  name: 'validators-external',
  setup(b) {
    b.onResolve({ filter: /generated\/validators\.js$/ }, () => ({ path: 'validators', namespace: 'validators-shim' }));
    b.onResolve({ filter: /^\.\/validators\.cjs$/ }, () => ({ path: './validators.cjs', external: true }));
    b.onLoad({ filter: /.*/, namespace: 'validators-shim' }, () => ({
      contents:
        "const load = globalThis[Symbol.for('runj.loadCached')];\n" +
        "module.exports = load ? load('validators') : require('./validators.cjs');\n",
      loader: 'js',
    }));
  },
};

// `import * as fs from 'node:fs'` in each of twenty modules would copy fs's
// hundred properties into a fresh namespace object twenty times at start-up
// (esbuild's CommonJS interop): measurable allocation and a garbage
// collection on every command. One ESM module per built-in re-exports it, so
// every importer shares one namespace.
const builtinsOnce = {
  name: 'builtins-once',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (a) =>
      a.namespace === 'builtin' ? { path: a.path, external: true } : { path: a.path, namespace: 'builtin' },
    );
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (a) => ({ contents: `export * from ${JSON.stringify(a.path)};`, loader: 'js' }));
  },
};

rmSync('dist/chunks', { recursive: true, force: true });
await build({
  ...common,
  entryPoints: ['src/main.ts'],
  outfile: 'dist/runj-main.cjs',
  external: ['koffi'],
  plugins: [validatorsExternal, builtinsOnce],
  // Sources are ES modules: give them import.meta.url in the CommonJS bundle.
  banner: { js: 'const __import_meta_url = require("url").pathToFileURL(__filename).href;' },
  define: { 'import.meta.url': '__import_meta_url' },
});
// The core bundles: the commands of src/cli/coreCommands.ts, one bundle per
// platform with only that platform's backend (the other's modules are
// replaced by a module that refuses to load). The launcher picks one by the
// command word, so state, start, kill and delete read and compile about a
// third of the full bundle's bytes (docs/performance.md).
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
for (const platform of CORE_PLATFORMS) {
  const absent = CORE_PLATFORMS.find((p) => p !== platform);
  const r = await build({
    ...common,
    entryPoints: ['src/mainCore.ts'],
    outfile: `dist/runj-core-${platform}.cjs`,
    external: ['koffi'],
    plugins: [validatorsExternal, builtinsOnce, withoutBackend(absent)],
    banner: { js: 'const __import_meta_url = require("url").pathToFileURL(__filename).href;' },
    define: { 'import.meta.url': '__import_meta_url' },
    metafile: true,
  });
  // Nothing of the other platform but its signal table (runtime/backends.ts), nor the validators.
  const stray = Object.keys(r.metafile.inputs).filter(
    (f) => (f.startsWith(`src/platform/${absent}/`) && f !== 'src/platform/freebsd/signals.ts') || /generated\/validators|validators-shim/.test(f),
  );
  if (stray.length) throw new Error(`runj-core-${platform}.cjs would carry ${stray.join(', ')}`);
}

// The launcher starts the core bundle for these commands: their names, from the table itself.
const coreSource = await build({ entryPoints: ['src/cli/coreCommands.ts'], format: 'cjs', platform: 'node', write: false, logLevel: 'warning' });
const coreModule = { exports: {} };
new Function('module', 'exports', 'require', coreSource.outputFiles[0].text)(coreModule, coreModule.exports, () => ({}));
const coreNames = Object.keys(coreModule.exports.CORE_COMMANDS);

// containerd-shim-runj-v1 runs directly (a long-lived server: the code cache would
// save ~2 ms once per shim); it shares dist/validators.cjs with the CLI.
// --no-warnings: containerd merges the shim's stderr into `start`'s reply, and
// some warnings (NODE_OPTIONS' --experimental-loader) print before any of our code runs.
await build({
  ...common,
  entryPoints: ['src/shim/main.ts'],
  outfile: 'dist/containerd-shim-runj-v1.cjs',
  external: ['koffi'],
  plugins: [validatorsExternal, builtinsOnce],
  banner: { js: '#!/usr/bin/env -S node --no-warnings\nconst __import_meta_url = require("url").pathToFileURL(__filename).href;' },
  define: { 'import.meta.url': '__import_meta_url' },
});
chmodSync('dist/containerd-shim-runj-v1.cjs', 0o755);
await build({ ...common, entryPoints: ['src/generated/validators.js'], outfile: 'dist/validators.cjs' });
const launcher = readFileSync('build/launcher.cjs', 'utf8');
if (!launcher.includes('/*CORE_COMMANDS*/[]')) throw new Error('build/launcher.cjs: no /*CORE_COMMANDS*/[] to fill in');
writeFileSync('dist/runj.cjs', launcher.replace('/*CORE_COMMANDS*/[]', JSON.stringify(coreNames)));
chmodSync('dist/runj.cjs', 0o755);

// The code caches must be made from exactly what the launcher compiles. A cache holds
// the functions compiled when it is made: the bundles' only their top level (a cache
// warmed by running commands was measured no faster: it is larger to read). The
// validators' is made after validating the default configs of both platforms and
// their processes, so create and exec find validateConfig and validateProcess
// compiled: their first call 2.3 -> 0.3 ms, the cache's load +0.5 ms.
const sampleConfigs = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'runj-build-'));
  try {
    return ['linux', 'freebsd'].map((platform) => {
      const bundle = path.join(dir, platform);
      mkdirSync(bundle);
      const r = spawnSync(process.execPath, ['dist/runj.cjs', 'spec', '--platform', platform, '--bundle', bundle], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`runj spec --platform ${platform}: ${r.stderr}`);
      return JSON.parse(readFileSync(path.join(bundle, 'config.json'), 'utf8'));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
for (const name of ['runj-main', 'validators', ...CORE_PLATFORMS.map((p) => `runj-core-${p}`)]) {
  const file = `${process.cwd()}/dist/${name}.cjs`;
  const script = new vm.Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file });
  if (name === 'validators') {
    const mod = { exports: {} };
    script.runInThisContext()(mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
    for (const config of sampleConfigs()) {
      if (!mod.exports.validateConfig(config)) throw new Error(`the default config does not validate: ${JSON.stringify(mod.exports.validateConfig.errors)}`);
      if (!mod.exports.validateProcess(config.process)) throw new Error('the default process does not validate');
    }
  }
  writeFileSync(`dist/${name}.cache`, script.createCachedData());
}
