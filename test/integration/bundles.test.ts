/**
 * The shipped CLI's bundles (build/bundle.mjs): dist/runj.cjs starts the core
 * bundle of this platform for the core commands and the full bundle for the
 * rest; the core bundle carries one backend, and hands anything it lacks to
 * the full bundle.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CORE_COMMANDS } from '../../src/cli/coreCommands.js';
import { REPO, RUNJ } from './harness.js';

const DIST = path.join(REPO, 'dist');
const CORE = path.join(DIST, `runj-core-${process.platform}.cjs`);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-bundles-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const env = (extra: Record<string, string> = {}) => ({ ...process.env, RUNJ_TRACE: '1', ...extra });
const loaded = (stderr: string) => /^runj-trace (load\.\w+) /m.exec(stderr)?.[1];

describe('the CLI bundles', () => {
  it('dist/runj.cjs names exactly the core table', () => {
    const launcher = fs.readFileSync(RUNJ, 'utf8');
    const names = JSON.parse(/const core = (\[[^\]]*\]);/.exec(launcher)?.[1] ?? 'null') as string[];
    expect(names.sort()).toEqual(Object.keys(CORE_COMMANDS).sort());
  });

  it('each core command runs the core bundle; global help and the other commands the full one', () => {
    const root = ['--root', path.join(dir, 'state')];
    for (const name of Object.keys(CORE_COMMANDS)) {
      const r = spawnSync(process.execPath, [RUNJ, ...root, name, '--help'], { encoding: 'utf8', env: env() });
      expect(r.status, `${name}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(`usage: runj ${name}`);
      expect(loaded(r.stderr), name).toBe('load.core');
    }
    for (const args of [['--help', 'state'], ['create', '--help'], ['spec', '--help'], ['--version']]) {
      const r = spawnSync(process.execPath, [RUNJ, ...root, ...args], { encoding: 'utf8', env: env() });
      expect(r.status, args.join(' ')).toBe(0);
      expect(loaded(r.stderr), args.join(' ')).toBe('load.main');
    }
  });

  it("the core bundle carries this platform's backend only", () => {
    const core = fs.readFileSync(CORE, 'latin1');
    const full = fs.readFileSync(path.join(DIST, 'runj-main.cjs'), 'latin1');
    // jail_set is the FreeBSD backend's (platform/freebsd/ffi.ts); pivot_root the Linux one's.
    const other = process.platform === 'freebsd' ? 'pivot_root' : 'jail_set';
    expect(full).toContain(other);
    expect(core).not.toContain(other);
    expect(core.length).toBeLessThan(full.length / 2);
  });

  it('the core bundle hands a command it lacks to the full bundle, through the launcher', () => {
    const script = `
      globalThis[Symbol.for('runj.loadCached')] = (n) => require(${JSON.stringify(DIST)} + '/' + n + '.cjs');
      process.argv = [process.argv[0], 'runj', 'features'];
      require(${JSON.stringify(CORE)});`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).ociVersionMax).toBe('1.3.0');
  });

  it('the core bundle alone, with no full bundle to hand over to, refuses other commands as unknown', () => {
    const r = spawnSync(process.execPath, [CORE, 'features'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown command "features"');
  });
});
