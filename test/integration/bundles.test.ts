/**
 * The shipped CLI's bundles (build/bundle.mjs): dist/runj.cjs starts this
 * platform's core bundle for the core commands, its launch bundle for create,
 * run and exec, and the full bundle for the rest; the per-platform bundles
 * carry one backend, and hand anything they lack to the full bundle.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { CORE_COMMANDS } from '../../src/cli/coreCommands.js';
import { LAUNCH_COMMANDS } from '../../src/cli/launchCommands.js';
import { REPO, RUNJ } from './harness.js';

const DIST = path.join(REPO, 'dist');
const CORE = path.join(DIST, `runj-core-${process.platform}.cjs`);
const SETS = { core: CORE_COMMANDS, launch: LAUNCH_COMMANDS };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-bundles-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const env = (extra: Record<string, string> = {}) => ({ ...process.env, RUNJ_TRACE: '1', ...extra });
const loaded = (stderr: string) => /^runj-trace (load\.\w+) /m.exec(stderr)?.[1];

describe('the CLI bundles', () => {
  it('dist/runj.cjs names exactly the core and launch tables', () => {
    const launcher = fs.readFileSync(RUNJ, 'utf8');
    const sets = JSON.parse(/const sets = (\{[^}]*\});/.exec(launcher)?.[1] ?? 'null') as Record<string, string[]>;
    expect(Object.keys(sets).sort()).toEqual(Object.keys(SETS).sort());
    for (const [set, table] of Object.entries(SETS)) expect(sets[set]?.sort(), set).toEqual(Object.keys(table).sort());
  });

  it('each core and launch command runs its bundle; global help and the other commands the full one', () => {
    const root = ['--root', path.join(dir, 'state')];
    for (const [set, table] of Object.entries(SETS)) {
      for (const name of Object.keys(table)) {
        const r = spawnSync(process.execPath, [RUNJ, ...root, name, '--help'], { encoding: 'utf8', env: env() });
        expect(r.status, `${name}: ${r.stderr}`).toBe(0);
        expect(r.stdout).toContain(`usage: runj ${name}`);
        expect(loaded(r.stderr), name).toBe(`load.${set}`);
      }
    }
    for (const args of [['--help', 'state'], ['--help', 'create'], ['spec', '--help'], ['--version']]) {
      const r = spawnSync(process.execPath, [RUNJ, ...root, ...args], { encoding: 'utf8', env: env() });
      expect(r.status, args.join(' ')).toBe(0);
      expect(loaded(r.stderr), args.join(' ')).toBe('load.main');
    }
  });

  it('each file the launcher loads is a script whose module function V8 compiles with the top level, and still a module when required', () => {
    // The core bundles' caches hold their top level only (build/bundle.mjs): the module
    // function must be part of it, or every command compiles its whole bundle at start-up.
    const head = (text: string) => text.slice(0, text.indexOf('{\n') + 2);
    const core = fs.readFileSync(CORE, 'latin1');
    expect(new vm.Script(core, { filename: CORE }).createCachedData().length).toBeGreaterThan(core.length / 5);
    for (const name of [`runj-launch-${process.platform}`, 'runj-main', 'validators-fast', 'validators']) {
      const text = fs.readFileSync(path.join(DIST, `${name}.cjs`), 'latin1');
      expect(head(text), name).toBe(head(core));
      expect(typeof new vm.Script(text).runInThisContext(), name).toBe('function');
    }
    // Once as a module: required (the containerd shim requires the validators), or wrapped
    // again and called plainly, as the previous build's launcher did (during an upgrade).
    const file = path.join(DIST, 'validators-fast.cjs');
    const required = spawnSync(process.execPath, ['-e', `console.log(Object.keys(require(${JSON.stringify(file)})).sort().join())`], { encoding: 'utf8' });
    expect(required.stdout.trim()).toBe('validateConfig,validateProcess');
    const text = fs.readFileSync(file, 'latin1');
    const mod = { exports: {} as Record<string, unknown> };
    const outer = new vm.Script(Module.wrap(text)).runInThisContext() as (...a: unknown[]) => unknown;
    outer(mod.exports, Module.createRequire(file), mod, file, DIST);
    expect(Object.keys(mod.exports).sort()).toEqual(['validateConfig', 'validateProcess']);
    // At a script's top level it runs nothing: its value is the module function, for the launcher to call.
    const fn = new vm.Script(text).runInThisContext() as (...a: unknown[]) => unknown;
    const launched = { exports: {} as Record<string, unknown> };
    fn(launched.exports, Module.createRequire(file), launched, file, DIST);
    expect(Object.keys(launched.exports).sort()).toEqual(['validateConfig', 'validateProcess']);
  });

  it("the per-platform bundles carry this platform's backend only; the core one no validators", () => {
    const full = fs.readFileSync(path.join(DIST, 'runj-main.cjs'), 'latin1');
    // jail_set is the FreeBSD backend's (platform/freebsd/ffi.ts); pivot_root the Linux one's.
    const other = process.platform === 'freebsd' ? 'pivot_root' : 'jail_set';
    expect(full).toContain(other);
    for (const set of Object.keys(SETS)) {
      const bundle = fs.readFileSync(path.join(DIST, `runj-${set}-${process.platform}.cjs`), 'latin1');
      expect(bundle, set).not.toContain(other);
      expect(bundle.length, set).toBeLessThan(full.length * 0.6);
    }
    expect(fs.readFileSync(CORE, 'latin1')).not.toContain('validators');
  });

  it('the core and launch bundles hand a command they lack to the full bundle, through the launcher', () => {
    for (const set of Object.keys(SETS)) {
      const script = `
        globalThis[Symbol.for('runj.loadCached')] = (n) => require(${JSON.stringify(DIST)} + '/' + n + '.cjs');
        process.argv = [process.argv[0], 'runj', 'features'];
        require(${JSON.stringify(DIST)} + '/runj-${set}-${process.platform}.cjs');`;
      const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
      expect(r.status, `${set}: ${r.stderr}`).toBe(0);
      expect(JSON.parse(r.stdout).ociVersionMax, set).toBe('1.3.0');
    }
  });

  it('the core bundle alone, with no full bundle to hand over to, refuses other commands as unknown', () => {
    const r = spawnSync(process.execPath, [CORE, 'features'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown command "features"');
  });
});
