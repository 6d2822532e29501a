/**
 * Integration harness: a busybox-static rootfs, bundles built from
 * `runj spec`'s template, and runj run as a real CLI (dist/runj.cjs) with
 * its own --root. Container stdio goes to files so no pipe outlives a call.
 */
import { type SpawnSyncReturns, execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Spec } from '../../src/plan/spec.js';
import { linuxSpec } from '../../src/demo/specTemplate.js';

export const REPO = path.resolve(import.meta.dirname, '../..');
export const RUNJ = path.join(REPO, 'dist/runj.cjs');
export const isRoot = process.getuid?.() === 0;

export interface Env {
  dir: string;
  root: string;
  rootfs: string;
  cleanup(): void;
}

/**
 * Compiles a C program the test writes (`source`, as dir/name.c) into dir/name; `natives` are
 * files of native/ to link with it, whose headers it may include.
 */
export function compileC(dir: string, name: string, source: string, natives: string[] = []): string {
  const src = path.join(dir, `${name}.c`);
  const bin = path.join(dir, name);
  fs.writeFileSync(src, source);
  const linked = natives.length ? ['-D_GNU_SOURCE', `-I${path.join(REPO, 'native')}`, ...natives.map((f) => path.join(REPO, 'native', f))] : [];
  execFileSync('cc', ['-O2', '-Wall', '-o', bin, src, ...linked], { stdio: 'inherit' });
  return bin;
}

export function makeEnv(): Env {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-it-'));
  const rootfs = path.join(dir, 'rootfs');
  const r = spawnSync('bash', [path.join(REPO, 'scripts/rootfs.sh'), rootfs], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`rootfs: ${r.stderr}`);
  const root = path.join(dir, 'state');
  return {
    dir,
    root,
    rootfs,
    cleanup() {
      for (const id of fs.existsSync(root) ? fs.readdirSync(root) : []) runj({ root, dir } as Env, ['delete', '--force', id]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

let counter = 0;
export function uniqueId(prefix = 'c'): string {
  return `${prefix}-${process.pid}-${++counter}`;
}

/** A bundle directory whose config runs `args` in the shared rootfs. */
export function makeBundle(env: Env, args: string[], patch: (s: Spec) => void = () => {}): string {
  const bundle = fs.mkdtempSync(path.join(env.dir, 'bundle-'));
  const spec = linuxSpec(args);
  spec.root = { path: env.rootfs, readonly: true };
  patch(spec);
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(spec, null, 2));
  return bundle;
}

export interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI. With `stdio` (fds or 'ignore'), output goes there instead of being captured. */
export function runj(env: Pick<Env, 'root'>, args: string[], opts: { stdio?: (number | 'ignore')[] } = {}): Result {
  const r: SpawnSyncReturns<string> = spawnSync(process.execPath, [RUNJ, '--root', env.root, ...args], {
    encoding: 'utf8',
    stdio: opts.stdio ?? 'pipe',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: '' },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Runs runj with the container's stdout/stderr going to files; returns their paths too. */
export function runjCreate(env: Env, id: string, bundle: string, extra: string[] = [], fds: number[] = []) {
  const out = path.join(env.dir, `${id}.out`);
  const err = path.join(env.dir, `${id}.err`);
  const o = fs.openSync(out, 'w');
  const e = fs.openSync(err, 'w');
  try {
    const r = spawnSync(process.execPath, [RUNJ, '--root', env.root, 'create', '--bundle', bundle, ...extra, id], {
      encoding: 'utf8',
      stdio: ['ignore', o, e, ...fds],
      env: { ...process.env, NODE_EXTRA_CA_CERTS: '' },
      timeout: 60_000,
    });
    return { status: r.status, out, err, stderr: () => fs.readFileSync(err, 'utf8') };
  } finally {
    fs.closeSync(o);
    fs.closeSync(e);
  }
}

/** Spawns runj asynchronously (for concurrency tests). */
export function runjAsync(env: Env, args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RUNJ, '--root', env.root, ...args], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

export function stateOf(env: Env, id: string): Record<string, unknown> {
  const r = runj(env, ['state', id]);
  if (r.status !== 0) throw new Error(`state ${id}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

export async function waitFor(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function mounts(): string {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8');
}

export function processAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

/** Host processes whose command line contains the marker (for leave-nothing-behind checks). */
export function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    try {
      if (fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(marker) && processAlive(Number(name))) pids.push(Number(name));
    } catch {}
  }
  return pids;
}

/** `runj run` with the container's output in a file; returns exit status and output. */
export function runjRun(env: Env, id: string, bundle: string, extra: string[] = [], fds: number[] = []) {
  const out = path.join(env.dir, `${id}.run`);
  const o = fs.openSync(out, 'w');
  try {
    const r = spawnSync(process.execPath, [RUNJ, '--root', env.root, 'run', '--bundle', bundle, ...extra, id], {
      stdio: ['ignore', o, o, ...fds],
      env: { ...process.env, NODE_EXTRA_CA_CERTS: '' },
      timeout: 60_000,
    });
    return { status: r.status, output: fs.readFileSync(out, 'utf8') };
  } finally {
    fs.closeSync(o);
  }
}
