// A private buildah (Debian's, unmodified) for the buildah integration test
// and `make bench`: vfs storage, run root, registries and temporary
// directory (buildah's RUN bundles) all under one temporary directory, and a
// local busybox base image committed from scripts/rootfs.sh (`buildah from
// scratch` + copy: no network). Every buildah command runs in a private mount
// namespace, so no mount it makes outlives it. stop() removes it all.
// Plain JS so that bench/ and the vitest files (through buildah.d.mts) share it.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const REPO = path.resolve(import.meta.dirname, '../..');
export const BASE = 'localhost/busybox:latest';

export const haveBuildah = () => (process.env.PATH ?? '').split(':').some((d) => d && fs.existsSync(`${d}/buildah`));

/**
 * @param {{ hideCgroup2?: boolean }} [opts] hideCgroup2: mount a tmpfs over
 *   /sys/fs/cgroup/unified in each command's namespace (crun 1.8 refuses
 *   hybrid cgroups whose v2 mount has controllers).
 */
export function startBuildah(opts = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-buildah-'));
  for (const d of ['storage', 'runroot', 'tmp', 'ctx']) fs.mkdirSync(path.join(dir, d));
  fs.writeFileSync(
    path.join(dir, 'storage.conf'),
    `[storage]\ndriver = "vfs"\ngraphroot = "${dir}/storage"\nrunroot = "${dir}/runroot"\n`,
  );
  fs.writeFileSync(path.join(dir, 'registries.conf'), 'unqualified-search-registries = []\n');
  const env = {
    ...process.env,
    CONTAINERS_STORAGE_CONF: path.join(dir, 'storage.conf'),
    CONTAINERS_REGISTRIES_CONF: path.join(dir, 'registries.conf'),
    TMPDIR: path.join(dir, 'tmp'),
  };
  delete env.NODE_EXTRA_CA_CERTS; // node warns on stderr when it names a missing file
  const hide = opts.hideCgroup2 && fs.existsSync('/sys/fs/cgroup/unified') ? 'mount -t tmpfs none /sys/fs/cgroup/unified && ' : '';
  // sh -c SCRIPT: the script runs with "$@" = buildah's arguments.
  const argv = (script, args) => ['-m', '--propagation', 'private', 'sh', '-c', `${hide}${script}`, 'sh', ...args];

  /** Runs one buildah command to completion. */
  const buildah = (args, timeout = 300_000) => {
    const r = spawnSync('unshare', argv('exec buildah "$@"', args), { env, encoding: 'utf8', timeout });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  /** Starts one buildah command; the child is buildah itself (exec), for signals. */
  const spawnBuildah = (args) => spawn('unshare', argv('exec buildah "$@"', args), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  /** Runs a shell script in buildah's environment and namespace (e.g. buildah mount + cat). */
  const shell = (script) => {
    const r = spawnSync('unshare', argv(script, []), { env, encoding: 'utf8', timeout: 120_000 });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  const must = (r, what) => {
    if (r.status !== 0) throw new Error(`${what}: exit ${r.status}: ${r.stderr.trim()}`);
    return r.stdout;
  };
  const stop = () => {
    buildah(['rm', '--all']);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const rootfs = path.join(dir, 'rootfs');
    must(spawnSync('bash', [path.join(REPO, 'scripts/rootfs.sh'), rootfs], { encoding: 'utf8' }), 'scripts/rootfs.sh');
    must(
      shell(
        `set -e; c=$(buildah from scratch); buildah copy --quiet "$c" ${rootfs}/ / >/dev/null; ` +
          `buildah config --env PATH=/bin --cmd sh "$c"; buildah commit --quiet "$c" ${BASE} >/dev/null; buildah rm "$c" >/dev/null`,
      ),
      'base image',
    );
  } catch (e) {
    stop();
    throw e;
  }

  /** Writes a build context with this Containerfile; returns its directory. */
  const context = (name, containerfile) => {
    const ctx = path.join(dir, 'ctx', name);
    fs.mkdirSync(ctx, { recursive: true });
    fs.writeFileSync(path.join(ctx, 'Containerfile'), containerfile);
    return ctx;
  };
  /** `buildah bud` of a context with RUNTIME under OCI isolation, no network. */
  const budArgs = (runtime, ctx, tag, extra = []) => [
    'bud', '--runtime', runtime, ...extra, '--isolation', 'oci', '--network', 'none', '--layers=false',
    '-t', tag, '-f', path.join(ctx, 'Containerfile'), ctx,
  ];
  return { dir, env, buildah, spawnBuildah, shell, context, budArgs, stop };
}
