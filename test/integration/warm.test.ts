/**
 * build/warm.mjs: the create (and the run) the build runs in the host's launch
 * bundle before making its code caches. It must compile the command's
 * functions (the cache then holds them: several times the bytes of a cache of
 * the top level alone), and make nothing outside its temporary directory: no
 * state, no cgroup, no process, the helper variable and the global it sets restored.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { controllerDir } from '../../src/platform/linux/cgroupLayout.js';
import { hostLayout } from '../../src/platform/linux/cgroups.js';
// @ts-expect-error: a build script (plain .mjs, no types)
import { warmUp } from '../../build/warm.mjs';
import type { Spec } from '../../src/plan/spec.js';
import { REPO, RUNJ, processAlive, processesWith } from './harness.js';

const file = path.join(REPO, 'dist', `runj-launch-${process.platform}.cjs`);
// The file is written wrapped (build/bundle.mjs): compiled as it is, as the launcher does.
const compile = () => new vm.Script(fs.readFileSync(file, 'latin1'), { filename: file });
const warmDirs = () => fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('runj-warm-'));

/** Runs `body` with the host's default config.json (`runj spec`), made in a temporary bundle. */
async function withDefaultConfig(body: (config: Spec) => Promise<void>): Promise<void> {
  const bundle = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-warmtest-'));
  try {
    expect(spawnSync(process.execPath, [RUNJ, 'spec', '--bundle', bundle]).status).toBe(0);
    await body(JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8')) as Spec);
  } finally {
    fs.rmSync(bundle, { recursive: true, force: true });
  }
}

/** The warm-up's container was of id "warm": no temporary directory, cgroup or process of its is left. */
function leftNothing(dirsBefore: string[]): void {
  expect(warmDirs()).toEqual(dirsBefore);
  const dir = controllerDir(hostLayout(), '/runj/warm', 'pids');
  if (dir) expect(fs.existsSync(dir)).toBe(false);
  expect(processesWith('runj-warm-')).toEqual([]);
}

describe.skipIf(process.platform !== 'linux')('the launch bundle warm-up', () => {
  it('compiles what create runs, and leaves nothing', () =>
    withDefaultConfig(async (config) => {
      const before = warmDirs();
      const helperWas = process.env.RUNJ_HELPER;
      const policyWas = process.env.RUNJ_POLICY;
      const cold = compile().createCachedData().length;
      const script = compile();
      await warmUp(script, file, config);
      const warm = script.createCachedData().length;
      expect(warm).toBeGreaterThan(3 * cold);
      expect(process.env.RUNJ_HELPER).toBe(helperWas);
      expect(process.env.RUNJ_POLICY).toBe(policyWas);
      expect(Object.getOwnPropertySymbols(globalThis).map(String)).not.toContain('Symbol(runj.warmUp)');
      leftNothing(before);
    }));

  it('a run warm-up compiles what run runs beyond create (start, wait, delete), and leaves nothing', () =>
    withDefaultConfig(async (config) => {
      const before = warmDirs();
      // This process compiles the same source to the same functions: create's first, as the build does.
      const created = compile();
      await warmUp(created, file, config, 'create');
      const createSize = created.createCachedData().length;
      const script = compile();
      await warmUp(script, file, config, 'run');
      expect(script.createCachedData().length).toBeGreaterThan(createSize);
      leftNothing(before);
    }));

  it("a warm-up whose teardown fails recovers nothing of the host's: a cgroup /runj/warm of the host and its process are left alone", () =>
    withDefaultConfig(async (config) => {
      const pidsRoot = controllerDir(hostLayout(), '/', 'pids');
      if (!pidsRoot) throw new Error('this host has no pids cgroup: cannot check what the warm-up recovers');
      const host = path.join(pidsRoot, 'runj', 'warm');
      fs.mkdirSync(host, { recursive: true });
      const sleeper = spawn('sleep', ['300'], { stdio: 'ignore' });
      try {
        fs.writeFileSync(path.join(host, 'cgroup.procs'), String(sleeper.pid));
        // A limit: its file in the warm-up's own (plain) cgroup directory makes that directory's
        // removal fail, and run's forced delete falls back to recovery.
        config.linux = { ...config.linux, resources: { ...config.linux?.resources, pids: { limit: 50 } } };
        for (const command of ['create', 'run']) await warmUp(compile(), file, config, command).catch(() => {});
        expect(processAlive(sleeper.pid as number)).toBe(true);
        expect(fs.readFileSync(path.join(host, 'cgroup.procs'), 'utf8').trim()).toBe(String(sleeper.pid));
      } finally {
        if (sleeper.exitCode === null && sleeper.signalCode === null) {
          const gone = new Promise((r) => sleeper.once('exit', r));
          sleeper.kill('SIGKILL');
          await gone;
        }
        for (let i = 0; i < 50 && fs.existsSync(host); i++) {
          try {
            fs.rmdirSync(host);
          } catch {
            await new Promise((r) => setTimeout(r, 20));
          }
        }
      }
    }));

  it("uses the empty host policy, not the build host's", async () => {
    const bundle = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-warmtest-'));
    const was = process.env.RUNJ_POLICY;
    try {
      expect(spawnSync(process.execPath, [RUNJ, 'spec', '--bundle', bundle]).status).toBe(0);
      const config = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8'));
      // A policy file that is not JSON: a create that read it would fail.
      process.env.RUNJ_POLICY = path.join(bundle, 'config.json.broken');
      fs.writeFileSync(process.env.RUNJ_POLICY, '{not json');
      await warmUp(compile(), file, config);
      expect(process.env.RUNJ_POLICY).toBe(path.join(bundle, 'config.json.broken'));
    } finally {
      if (was === undefined) delete process.env.RUNJ_POLICY;
      else process.env.RUNJ_POLICY = was;
      fs.rmSync(bundle, { recursive: true, force: true });
    }
  });

  it('fails, naming the bundle, when the create fails', async () => {
    const before = warmDirs();
    // No process.cwd: the config fails validation.
    await expect(warmUp(compile(), file, { ociVersion: '1.3.0' })).rejects.toThrow(new RegExp(`runj create in ${file} exited 1`));
    await expect(warmUp(compile(), file, { ociVersion: '1.3.0' }, 'run')).rejects.toThrow(new RegExp(`runj run in ${file} exited 1`));
    expect(warmDirs()).toEqual(before);
  });
});
