/**
 * Mount destinations under a directory that a hostile process keeps
 * swapping (renameat2 RENAME_EXCHANGE, in a tight loop) with a symlink to a
 * host directory: whatever the timing, runj must create and mount only
 * inside the rootfs. A second part runs the helper's resolver (native/
 * linux_resolve.c) directly, with and without openat2, against symlinks
 * that try to leave the root.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Env, REPO, isRoot, makeBundle, makeEnv, mounts, runj, runjCreate, uniqueId } from './harness.js';

const ROUNDS = Number(process.env.RUNJ_RACE_ROUNDS || 40);

const SWAPPER = `
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif
/* Exchanges argv[1] and argv[2] until killed; prints "ready" once it runs. */
int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	puts("ready");
	fflush(stdout);
	for (;;)
		if (syscall(SYS_renameat2, AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE) < 0)
			return perror("renameat2"), 1;
}
`;

function compile(dir: string, name: string, source: string, extra: string[] = []): string {
  const src = path.join(dir, `${name}.c`);
  const bin = path.join(dir, name);
  fs.writeFileSync(src, source);
  execFileSync('cc', ['-O2', '-Wall', '-o', bin, src, ...extra], { stdio: 'inherit' });
  return bin;
}

/** Everything under dir, depth first (the host paths a racing create made). */
function listAll(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    out.push(p);
    if (e.isDirectory() && !e.isSymbolicLink()) out.push(...listAll(p));
  }
  return out;
}

describe.skipIf(!isRoot)('mount destinations under a directory swapped for a symlink', () => {
  let env: Env;
  let host: string;
  let swapper: ChildProcess | undefined;
  beforeAll(() => {
    env = makeEnv();
    host = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-race-host-'));
  });
  afterAll(() => {
    swapper?.kill('SIGKILL');
    env.cleanup();
    fs.rmSync(host, { recursive: true, force: true });
  });

  it(`creates nothing outside the rootfs over ${ROUNDS} creates`, async () => {
    const data = path.join(env.rootfs, 'data');
    const sub = path.join(data, 'sub');
    const link = path.join(data, 'sub-link');
    fs.mkdirSync(sub, { recursive: true });
    fs.symlinkSync(host, link); // absolute: inside the root it names rootfs/<host>
    const srcDir = path.join(env.dir, 'src-dir');
    const srcFile = path.join(env.dir, 'src-file');
    fs.mkdirSync(srcDir);
    fs.writeFileSync(srcFile, 'x\n');
    const bin = compile(env.dir, 'swapper', SWAPPER);
    swapper = spawn(bin, [sub, link], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      swapper?.stdout?.once('data', () => resolve());
      swapper?.once('exit', (c) => reject(new Error(`swapper exited ${c}`)));
    });

    const bundle = makeBundle(env, ['sleep', '100'], (s) => {
      for (let i = 0; i < 4; i++) s.mounts?.push({ destination: `/data/sub/t${i}/mnt`, type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] });
      s.mounts?.push({ destination: '/data/sub/b/dir', type: 'bind', source: srcDir, options: ['rbind', 'ro'] });
      s.mounts?.push({ destination: '/data/sub/f/file', type: 'bind', source: srcFile, options: ['bind', 'ro'] });
    });
    const created: string[] = [];
    const failures: string[] = [];
    let ok = 0;
    let ms = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const id = uniqueId('race');
      const t0 = process.hrtime.bigint();
      const r = runjCreate(env, id, bundle);
      ms += Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.status === 0) ok++;
      else failures.push(r.stderr());
      runj(env, ['delete', '--force', id]);
      for (const p of listAll(host)) created.push(p);
      for (const e of fs.readdirSync(host)) fs.rmSync(path.join(host, e), { recursive: true, force: true });
    }
    swapper.kill('SIGKILL');
    await new Promise((r) => swapper?.once('exit', r));
    if (fs.lstatSync(sub).isSymbolicLink()) fs.renameSync(sub, `${sub}.tmp`), fs.renameSync(link, sub), fs.renameSync(`${sub}.tmp`, link);
    console.log(`mount race: ${ROUNDS} creates (${ok} succeeded), ${created.length} host paths created, ${(ms / ROUNDS).toFixed(0)} ms per create`);
    expect(created).toEqual([]);
    // A create that lost the race may fail, but only with the mount named.
    for (const f of failures) expect(f).toMatch(/^runj: .*mount .*\/data\/sub\/[a-z0-9/]+: /);
    expect(mounts().split('\n').filter((l) => l.includes(host))).toEqual([]);
    expect(ok).toBeGreaterThan(0); // the containers were really made
  }, 600_000);
});
