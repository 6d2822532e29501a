/**
 * The phase trace of the shipped CLI: RUNJ_TRACE=1 prints it on stderr,
 * --debug with --log puts it in the log as debug lines, and neither prints
 * nothing (docs/performance.md).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RUNJ } from './harness.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-trace-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function runj(args: string[], env: Record<string, string> = {}) {
  const e: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (!('RUNJ_TRACE' in env)) delete e.RUNJ_TRACE;
  return spawnSync(process.execPath, [RUNJ, '--root', path.join(dir, 'state'), ...args], { encoding: 'utf8', env: e });
}
const phases = (text: string) => text.split('\n').filter((l) => /^runj-trace /.test(l)).map((l) => l.split(' ')[1]);

/** A copy of the build (dist/, and native/ linked) to change: its dist directory. */
function copyOfBuild(name: string): string {
  const tree = path.join(dir, name);
  fs.cpSync(path.dirname(RUNJ), path.join(tree, 'dist'), { recursive: true });
  fs.symlinkSync(path.resolve(path.dirname(RUNJ), '../native'), path.join(tree, 'native'));
  return path.join(tree, 'dist');
}

/** A traced create with a copy of the build, of a bundle without a rootfs (it fails after planning). */
function createWith(dist: string, id: string) {
  const bundle = path.join(dir, `bundle-${id}`);
  fs.mkdirSync(bundle, { recursive: true });
  expect(runj(['spec', '--bundle', bundle]).status).toBe(0);
  const r = spawnSync(process.execPath, [path.join(dist, 'runj.cjs'), '--root', path.join(dir, 'state'), 'create', '--bundle', bundle, id], {
    encoding: 'utf8',
    env: { ...process.env, RUNJ_TRACE: '1' },
  });
  expect(r.status).toBe(1);
  return phases(r.stderr);
}

describe('trace from the CLI', () => {
  it('RUNJ_TRACE=1: each phase of list on stderr, stdout untouched; list runs the core bundle', () => {
    const r = runj(['list'], { RUNJ_TRACE: '1' });
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain('runj-trace');
    expect(phases(r.stderr)).toEqual(['node.boot', 'node.prepare', 'load.core', 'args', 'load.command', 'args.command', 'context', 'finish', 'output']);
  });

  it('a command outside the core runs the full bundle: load.main', () => {
    const r = runj(['features'], { RUNJ_TRACE: '1' });
    expect(r.status).toBe(0);
    expect(phases(r.stderr).slice(0, 3)).toEqual(['node.boot', 'node.prepare', 'load.main']);
  });

  it('a failing command still prints its phases, then its error', () => {
    const r = runj(['state', 'nope'], { RUNJ_TRACE: '1' });
    expect(r.status).toBe(1);
    expect(phases(r.stderr).slice(-2)).toEqual(['context', 'failed']);
    expect(r.stderr).toContain('container does not exist');
  });

  it('--debug --log FILE: the phases are debug lines of the log', () => {
    const log = path.join(dir, 'log.json');
    const r = runj(['--debug', '--log', log, '--log-format', 'json', 'list']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const msgs = fs
      .readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { level: string; msg: string });
    const trace = msgs.filter((m) => m.msg.startsWith('runj-trace '));
    expect(trace.every((m) => m.level === 'debug')).toBe(true);
    expect(trace.map((m) => m.msg.split(' ')[1])).toContain('load.command');
  });

  it("the shipped code caches are accepted: create's bundle and its validators, a core command's bundle", () => {
    const bundle = path.join(dir, 'bundle');
    fs.mkdirSync(bundle, { recursive: true });
    expect(runj(['spec', '--bundle', bundle]).status).toBe(0);
    // No rootfs: create fails after it has read, validated and planned the config.
    const create = runj(['create', '--bundle', bundle, 'cached'], { RUNJ_TRACE: '1' });
    expect(create.status).toBe(1);
    expect(phases(create.stderr)).toContain('validators.load');
    expect(phases(create.stderr).filter((p) => p?.startsWith('cache.'))).toEqual([]);
    const state = runj(['state', 'cached'], { RUNJ_TRACE: '1' });
    expect(phases(state.stderr).filter((p) => p?.startsWith('cache.'))).toEqual([]);
  });

  it("run compiles the launch bundle with a code cache of its own, warmed by a run; create with create's", () => {
    const launch = `runj-launch-${process.platform}`;
    const dist = path.dirname(RUNJ);
    // Warmed by a run after create's was made: it holds create's functions and run's start, wait and delete.
    expect(fs.statSync(path.join(dist, `${launch}.run.cache`)).size).toBeGreaterThan(fs.statSync(path.join(dist, `${launch}.cache`)).size);
    const bundle = path.join(dir, 'bundle-run');
    fs.mkdirSync(bundle, { recursive: true });
    expect(runj(['spec', '--bundle', bundle]).status).toBe(0);
    // No rootfs: run fails after it has read, validated and planned the config.
    const run = (runjCjs: string) =>
      spawnSync(process.execPath, [runjCjs, '--root', path.join(dir, 'state'), 'run', '--bundle', bundle, 'run-cached'], {
        encoding: 'utf8',
        env: { ...process.env, RUNJ_TRACE: '1' },
      });
    const shipped = run(RUNJ);
    expect(shipped.status).toBe(1);
    expect(phases(shipped.stderr)).toContain('validators.load');
    expect(phases(shipped.stderr).filter((p) => p?.startsWith('cache.'))).toEqual([]);
    // A copy whose run cache is rejected by V8: run is cold, create is not (it loads the other).
    const copy = copyOfBuild('tree-run');
    const runCache = path.join(copy, `${launch}.run.cache`);
    fs.writeFileSync(runCache, Buffer.concat([fs.readFileSync(runCache).subarray(0, 128), Buffer.alloc(4096, 7)]));
    expect(phases(run(path.join(copy, 'runj.cjs')).stderr).filter((p) => p?.startsWith('cache.'))).toEqual([`cache.cold.${launch}`]);
    expect(createWith(copy, 'not-run').filter((p) => p?.startsWith('cache.'))).toEqual([]);
  });

  it('a bundle compiled without its code cache (rejected by V8, cut short, or missing) is named in the trace', () => {
    // A copy of the build: the launch bundle's cache keeps its stamped head but its V8 data is
    // garbage (V8 rejects it), the core bundle's is cut inside its head, the validators' is gone.
    const dist = copyOfBuild('tree');
    const launch = `runj-launch-${process.platform}`;
    const head = fs.readFileSync(path.join(dist, `${launch}.cache`)).subarray(0, 128);
    fs.writeFileSync(path.join(dist, `${launch}.cache`), Buffer.concat([head, Buffer.alloc(4096, 7)]));
    fs.rmSync(path.join(dist, 'validators-fast.cache'));
    expect(createWith(dist, 'cold').filter((p) => p?.startsWith('cache.'))).toEqual([`cache.cold.${launch}`, 'cache.cold.validators-fast']);
    const core = path.join(dist, `runj-core-${process.platform}.cache`);
    fs.writeFileSync(core, fs.readFileSync(core).subarray(0, 40));
    const r = spawnSync(process.execPath, [path.join(dist, 'runj.cjs'), 'list'], { encoding: 'utf8', env: { ...process.env, RUNJ_TRACE: '1' } });
    expect(r.status).toBe(0);
    expect(phases(r.stderr).filter((p) => p?.startsWith('cache.'))).toEqual([`cache.cold.runj-core-${process.platform}`]);
  });

  it("a bundle changed since its cache was made runs as it is now, not as the cache remembers it", () => {
    // V8 checks a code cache against its source's length only: a bundle of the same length
    // with other text would run the cached functions of the old one.
    const dist = copyOfBuild('tree-changed');
    const launch = path.join(dist, `runj-launch-${process.platform}.cjs`);
    const text = fs.readFileSync(launch, 'latin1');
    // A phase name create's warmed (cached) code marks, changed in place: the same length, as a
    // build of other sources can be. The build stamps each bundle with its digest (build/bundle.mjs):
    // stamped as that build would have.
    expect(text.split('"bundle.read"').length).toBe(2);
    const STAMP = /\n\/\/ runj-bundle [0-9a-f]{64}\n$/;
    const changed = text.replace(STAMP, '').replace('"bundle.read"', '"bundle.READ"');
    const stamp = STAMP.test(text) ? `\n// runj-bundle ${createHash('sha256').update(changed, 'latin1').digest('hex')}\n` : '';
    expect((changed + stamp).length).toBe(text.length);
    fs.writeFileSync(launch, changed + stamp, 'latin1');
    const got = createWith(dist, 'changed');
    expect(got).toContain('bundle.READ');
    expect(got).toContain(`cache.cold.runj-launch-${process.platform}`);
  });

  it('without runj-sys.node beside the build, the launcher reads its bundles instead of mapping them: their caches still used', () => {
    const tree = path.join(dir, 'no-addon');
    fs.cpSync(path.dirname(RUNJ), path.join(tree, 'dist'), { recursive: true });
    const r = spawnSync(process.execPath, [path.join(tree, 'dist', 'runj.cjs'), '--root', path.join(dir, 'state'), 'list'], {
      encoding: 'utf8',
      env: { ...process.env, RUNJ_TRACE: '1' },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(phases(r.stderr)).toContain(`load.core`);
    expect(phases(r.stderr).filter((p) => p?.startsWith('cache.'))).toEqual([]);
  });

  it('off: nothing on stderr', () => {
    const r = runj(['list']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
  });
});
