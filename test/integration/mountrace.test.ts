/**
 * Mount destinations under a directory that a hostile process keeps
 * swapping (renameat2 RENAME_EXCHANGE, in a tight loop) with a symlink to a
 * host directory: whatever the timing, runj must create and mount only
 * inside the rootfs. A second part runs the helper's resolver (native/
 * linux_resolve.c) directly, with and without openat2, against symlinks
 * that try to leave the root.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Env, compileC, isRoot, makeBundle, makeEnv, mounts, runj, runjCreate, uniqueId } from './harness.js';

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

/* Drives linux_resolve.c: <openat2|walk> <root> <open|mkdirs|parent> <path> [count]
 * prints where the fd is (or "error <errno>"); with a count, path is a
 * format with one %d and only the failures are printed. */
const DRIVER = `
#define _GNU_SOURCE
#include "linux_resolve.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
static int run(int root, const char *op, const char *path, int quiet)
{
	char name[NAME_MAX + 1] = "", buf[4096], link[64];
	int fd = strcmp(op, "open") == 0 ? rs_open(root, path)
	       : strcmp(op, "mkdirs") == 0 ? rs_mkdirs(root, path, 0755) : rs_parent(root, path, 0755, name);
	if (fd < 0)
		return printf("error %s\\n", strerrorname_np(errno)), 1;
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, buf, sizeof buf - 1);
	buf[n < 0 ? 0 : n] = 0;
	if (!quiet)
		printf("%s%s%s\\n", buf, *name ? " " : "", name);
	close(fd);
	return 0;
}
int main(int argc, char **argv)
{
	rs_no_openat2 = strcmp(argv[1], "walk") == 0;
	int root = open(argv[2], O_PATH | O_DIRECTORY), bad = 0;
	if (argc == 5)
		return run(root, argv[3], argv[4], 0);
	for (int i = 0; i < atoi(argv[5]); i++) {
		char path[4096];
		snprintf(path, sizeof path, argv[4], i);
		bad += run(root, argv[3], path, 1);
	}
	return bad != 0;
}
`;

describe('the helper\'s resolver (native/linux_resolve.c)', () => {
  let dir: string;
  let root: string;
  let hostDir: string;
  let driver: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-resolve-'));
    root = path.join(dir, 'root');
    hostDir = path.join(dir, 'host');
    fs.mkdirSync(path.join(root, 'a'), { recursive: true });
    fs.mkdirSync(hostDir);
    fs.writeFileSync(path.join(root, 'file'), '');
    fs.symlinkSync(hostDir, path.join(root, 'a', 'abs')); // absolute: names root/<hostDir>
    fs.symlinkSync('../../../../../..', path.join(root, 'a', 'up'));
    fs.symlinkSync('/nowhere/deep', path.join(root, 'dangling'));
    fs.symlinkSync('/loop', path.join(root, 'loop'));
    driver = compileC(dir, 'driver', DRIVER, ['linux_resolve.c']);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const call = (mode: string, ...args: string[]) => {
    const r = spawnSync(driver, [mode, root, ...args], { encoding: 'utf8' });
    return r.stdout.trim();
  };

  for (const mode of ['openat2', 'walk']) {
    it(`${mode}: symlinks and ".." stay inside the root, missing directories are made there`, () => {
      expect(call(mode, 'mkdirs', '/a/abs/x/y')).toBe(path.join(root, hostDir, 'x/y'));
      expect(fs.readdirSync(hostDir)).toEqual([]);
      expect(call(mode, 'mkdirs', '/a/up/made')).toBe(path.join(root, 'made'));
      expect(call(mode, 'mkdirs', '/../../../made2')).toBe(path.join(root, 'made2'));
      expect(call(mode, 'mkdirs', '/dangling/x')).toBe(path.join(root, 'nowhere/deep/x'));
      expect(call(mode, 'open', '/a/up')).toBe(root);
      expect(call(mode, 'open', '/a/abs/x')).toBe(path.join(root, hostDir, 'x'));
      expect(call(mode, 'parent', '/a/abs/new/f')).toBe(`${path.join(root, hostDir, 'new')} f`);
      expect(fs.existsSync(path.join(dir, 'made'))).toBe(false);
    });
    it(`${mode}: errors`, () => {
      expect(call(mode, 'open', '/missing')).toBe('error ENOENT');
      expect(call(mode, 'mkdirs', '/file/x')).toBe('error ENOTDIR');
      expect(call(mode, 'mkdirs', '/file')).toBe('error ENOTDIR');
      expect(call(mode, 'open', '/loop')).toBe('error ELOOP');
      expect(call(mode, 'parent', '/')).toBe('error EINVAL');
      expect(call(mode, 'parent', '/a/..')).toBe('error EINVAL');
    });
    it(`${mode}: a directory swapped for a host symlink while directories are made under it`, async () => {
      const sub = path.join(root, `sub-${mode}`);
      const link = path.join(root, `link-${mode}`);
      fs.mkdirSync(sub);
      fs.symlinkSync(hostDir, link);
      const swapper = spawn(compileC(dir, 'swapper', SWAPPER), [sub, link], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => swapper.stdout?.once('data', () => resolve()));
      const r = spawnSync(driver, [mode, root, 'mkdirs', `/sub-${mode}/d%d/x`, '3000'], { encoding: 'utf8' });
      swapper.kill('SIGKILL');
      await new Promise((res) => swapper.once('exit', res));
      expect(r.stdout).toBe('');
      expect(fs.readdirSync(hostDir)).toEqual([]);
    }, 60_000);
  }
});

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
    const bin = compileC(env.dir, 'swapper', SWAPPER);
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
    if (fs.lstatSync(sub).isSymbolicLink()) {
      // Left swapped: put the directory back where the cleanup expects it.
      fs.renameSync(sub, `${sub}.tmp`);
      fs.renameSync(link, sub);
      fs.renameSync(`${sub}.tmp`, link);
    }
    console.log(`mount race: ${ROUNDS} creates (${ok} succeeded), ${created.length} host paths created, ${(ms / ROUNDS).toFixed(0)} ms per create`);
    expect(created).toEqual([]);
    // A create that lost the race may fail, but only with the mount named.
    for (const f of failures) expect(f).toMatch(/^runj: .*mount .*\/data\/sub\/[a-z0-9/]+: /);
    expect(mounts().split('\n').filter((l) => l.includes(host))).toEqual([]);
    expect(ok).toBeGreaterThan(0); // the containers were really made
  }, 600_000);
});
