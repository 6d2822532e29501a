// A private containerd (Debian's 1.6) for the shim's integration test and
// `make bench`: its own socket, root and state under a temporary directory,
// our shim's state root there too (RUNJ_SHIM_ROOT), and a busybox image built
// with umoci and imported with ctr (no network). stop() removes it all.
// Plain JS so that bench/ (run by node, no TypeScript) and the vitest
// files (through containerd.d.mts) share one copy.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO = path.resolve(import.meta.dirname, '../..');
export const SHIM = path.join(REPO, 'dist/containerd-shim-runj-v1');
export const IMAGE = 'shimtest.local/busybox:latest';

/** Whether containerd, ctr and umoci are all on PATH. */
export const haveContainerd = () =>
  ['containerd', 'ctr', 'umoci'].every((c) => (process.env.PATH ?? '').split(':').some((d) => d && fs.existsSync(`${d}/${c}`)));

const sh = (cmd, cwd) => {
  const r = spawnSync('bash', ['-c', cmd], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
};

// Plugins this test has no use for; CRI alone would start a CNI watcher and
// a streaming server per daemon.
const DISABLED = [
  'io.containerd.grpc.v1.cri',
  'io.containerd.snapshotter.v1.aufs',
  'io.containerd.snapshotter.v1.btrfs',
  'io.containerd.snapshotter.v1.zfs',
  'io.containerd.snapshotter.v1.devmapper',
  'io.containerd.tracing.processor.v1.otlp',
  'io.containerd.internal.v1.tracing',
];

/** Pids whose command line contains every one of `parts`. */
export function pidsWith(...parts) {
  const out = [];
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (parts.every((s) => cmd.includes(s))) out.push(Number(p));
    } catch {
      // exited while we read
    }
  }
  return out;
}

// ctr gives every container the cgroupsPath /<namespace>/<id>. Runtimes
// remove the container's own cgroup but not the namespace's parent (runc
// leaves it in every v1 hierarchy); once the tasks are gone it is empty.
function removeNamespaceCgroups(namespace) {
  const base = '/sys/fs/cgroup';
  const dirs = [path.join(base, namespace)];
  try {
    for (const h of fs.readdirSync(base)) dirs.push(path.join(base, h, namespace));
  } catch {
    return;
  }
  for (const d of dirs) {
    try {
      fs.rmdirSync(d);
    } catch {
      // absent, or not a hierarchy
    }
  }
}

/**
 * @param {{ namespace?: string, env?: Record<string, string> }} [opts]
 *   env: extra environment for the daemon (and so for every shim it starts).
 */
export async function startContainerd(opts = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-ctrd-'));
  const shimRoot = path.join(dir, 'shim');
  const sock = path.join(dir, 'containerd.sock');
  const namespace = opts.namespace ?? `shimtest${process.pid}`;
  fs.writeFileSync(
    path.join(dir, 'containerd.toml'),
    `version = 2
root = "${dir}/root"
state = "${dir}/state"
disabled_plugins = [${DISABLED.map((p) => `"${p}"`).join(', ')}]
[grpc]
  address = "${sock}"
[ttrpc]
  address = "${sock}.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "${dir}/opt"
`,
  );
  const log = fs.openSync(path.join(dir, 'containerd.log'), 'a');
  const daemon = spawn('containerd', ['--config', path.join(dir, 'containerd.toml'), '--log-level', 'debug'], {
    stdio: ['ignore', log, log],
    // An idle shim lingers (RUNJ_SHIM_LINGER, 10 s by default): tests that look for what
    // is left after the last delete want it gone at once, unless they say otherwise.
    env: { ...process.env, RUNJ_SHIM_LINGER: '0', ...opts.env, RUNJ_SHIM_ROOT: shimRoot },
  });
  fs.closeSync(log);
  const env = { ...process.env, CONTAINERD_ADDRESS: sock, CONTAINERD_NAMESPACE: namespace };
  const ctr = (args, input = '') => {
    const r = spawnSync('ctr', args, { env, encoding: 'utf8', timeout: 30_000, input });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  const stop = async () => {
    for (const id of ctr(['task', 'ls', '-q']).stdout.split('\n').filter(Boolean)) {
      ctr(['task', 'kill', '-s', 'SIGKILL', id]);
      ctr(['task', 'delete', '-f', id]);
    }
    for (const id of ctr(['containers', 'ls', '-q']).stdout.split('\n').filter(Boolean)) ctr(['containers', 'rm', id]);
    ctr(['images', 'rm', IMAGE]);
    if (daemon.exitCode === null) {
      const exited = new Promise((r) => daemon.once('exit', r));
      daemon.kill('SIGTERM');
      await exited;
    }
    // Shims left idle go by themselves once their linger is over.
    const lingerEnv = opts.env && 'RUNJ_SHIM_LINGER' in opts.env ? opts.env.RUNJ_SHIM_LINGER : '0';
    const linger = lingerEnv === '' ? 10 : Number(lingerEnv); // '' is the shim's default
    for (const deadline = Date.now() + linger * 1000 + 2000; pidsWith('containerd-shim-runj-v1', sock).length && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    fs.rmSync(dir, { recursive: true, force: true });
    removeNamespaceCgroups(namespace);
  };
  try {
    for (let i = 0; ctr(['version']).status !== 0; i++) {
      if (i > 100 || daemon.exitCode !== null) throw new Error(`containerd did not start: ${fs.readFileSync(path.join(dir, 'containerd.log'), 'utf8').slice(-500)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    sh(`bash ${REPO}/scripts/rootfs.sh rootfs`, dir);
    sh(
      'umoci init --layout oci && umoci new --image oci:latest && umoci unpack --image oci:latest bundle && ' +
        'cp -a rootfs/. bundle/rootfs/ && umoci repack --image oci:latest bundle && ' +
        'umoci config --image oci:latest --os linux --architecture amd64 --config.env PATH=/bin --config.cmd sh && ' +
        'tar -C oci -cf busybox.tar .',
      dir,
    );
    const imported = ctr(['images', 'import', '--base-name', IMAGE.split(':')[0], path.join(dir, 'busybox.tar')]);
    if (imported.status !== 0) throw new Error(`ctr images import: ${imported.stderr}`);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    dir,
    sock,
    shimRoot,
    namespace,
    ctr,
    /** runj shim processes serving this containerd, running now. */
    shims: () => pidsWith('containerd-shim-runj-v1', sock),
    stop,
  };
}
