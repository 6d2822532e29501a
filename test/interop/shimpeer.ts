/**
 * Builds test/interop/shimpeer (containerd's side of the shim protocol, from
 * containerd's own Go packages as Debian ships them) once per source change,
 * offline in GOPATH mode, cached under build/out/shimpeer/<key>. A missing Go
 * toolchain or package is an error naming what to install, never a skip.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const SRC = path.resolve(import.meta.dirname, 'shimpeer');
const OUT = path.resolve(import.meta.dirname, '../../build/out/shimpeer');
const GOPATH = '/usr/share/gocode';
const PACKAGES = 'golang-go golang-github-containerd-containerd-dev golang-github-containerd-ttrpc-dev';

export function shimPeer(): string {
  const version = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    throw new Error(`the Go toolchain is missing: install ${PACKAGES} (scripts/deps.sh does)`);
  }
  if (!fs.existsSync(path.join(GOPATH, 'src/github.com/containerd/containerd/runtime/v2/task'))) {
    throw new Error(`containerd's Go sources are missing from ${GOPATH}: install ${PACKAGES} (scripts/deps.sh does)`);
  }
  const hash = createHash('sha256').update(version.stdout);
  for (const f of fs.readdirSync(SRC).sort()) hash.update(f).update(fs.readFileSync(path.join(SRC, f)));
  const key = hash.digest('hex').slice(0, 16);
  const bin = path.join(OUT, key, 'shimpeer');
  if (fs.existsSync(bin)) return bin;
  const tmp = path.join(OUT, `.tmp.${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const env = {
    ...process.env,
    GO111MODULE: 'off',
    GOPATH,
    GOFLAGS: '',
    GOTOOLCHAIN: 'local',
    GOPROXY: 'off',
    GOCACHE: path.join(OUT, 'gocache'),
  };
  try {
    execFileSync('go', ['build', '-o', path.join(tmp, 'shimpeer'), '.'], { cwd: SRC, env, stdio: 'pipe', timeout: 900_000 });
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    const stderr = String((err as { stderr?: Buffer }).stderr ?? err);
    throw new Error(`building ${SRC} failed (missing package? install ${PACKAGES}):\n${stderr}`);
  }
  for (const old of fs.readdirSync(OUT)) if (/^[0-9a-f]{16}$/.test(old)) fs.rmSync(path.join(OUT, old), { recursive: true });
  fs.renameSync(tmp, path.join(OUT, key));
  return bin;
}
