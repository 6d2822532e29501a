/**
 * A private containerd (Debian's 1.6) for the shim's integration test: its
 * own socket, root and state under a temporary directory, our shim's state
 * root there too (RUNJ_SHIM_ROOT), and a busybox image built with umoci and
 * imported with ctr (no network). stop() removes it all and reports what
 * was left behind.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from './harness.js';

export const SHIM = path.join(REPO, 'dist/containerd-shim-runj-v1.cjs');
export const IMAGE = 'shimtest.local/busybox:latest';

export interface Containerd {
  dir: string;
  shimRoot: string;
  namespace: string;
  ctr(args: string[], input?: string): { status: number | null; stdout: string; stderr: string };
  /** Shim processes serving this containerd, running now. */
  shims(): number[];
  stop(): Promise<void>;
}

const sh = (cmd: string, cwd: string) => {
  const r = spawnSync('bash', ['-c', cmd], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
};

/** `env`: more of containerd's environment, which its shims inherit (RUNJ_SHIM_GROUP). */
export async function startContainerd(opts: { env?: Record<string, string> } = {}): Promise<Containerd> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runj-ctrd-'));
  const shimRoot = path.join(dir, 'shim');
  const sock = path.join(dir, 'containerd.sock');
  const namespace = `shimtest${process.pid}`;
  fs.writeFileSync(
    path.join(dir, 'containerd.toml'),
    `version = 2
root = "${dir}/root"
state = "${dir}/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing"]
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
  const daemon: ChildProcess = spawn('containerd', ['--config', path.join(dir, 'containerd.toml'), '--log-level', 'debug'], {
    stdio: ['ignore', log, log],
    env: { ...process.env, RUNJ_SHIM_ROOT: shimRoot, ...opts.env },
  });
  fs.closeSync(log);
  const env = { ...process.env, CONTAINERD_ADDRESS: sock, CONTAINERD_NAMESPACE: namespace };
  const ctr: Containerd['ctr'] = (args, input = '') => {
    const r = spawnSync('ctr', args, { env, encoding: 'utf8', timeout: 30_000, input });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
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
  const imported = ctr(['images', 'import', '--base-name', IMAGE.split(':')[0] as string, path.join(dir, 'busybox.tar')]);
  if (imported.status !== 0) throw new Error(`ctr images import: ${imported.stderr}`);

  const shims = () =>
    fs
      .readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8');
          return cmd.includes('containerd-shim-runj-v1') && cmd.includes(sock);
        } catch {
          return false;
        }
      })
      .map(Number);

  return {
    dir,
    shimRoot,
    namespace,
    ctr,
    shims,
    async stop() {
      for (const id of ctr(['task', 'ls', '-q']).stdout.split('\n').filter(Boolean)) {
        ctr(['task', 'kill', '-s', 'SIGKILL', id]);
        ctr(['task', 'delete', '-f', id]);
      }
      for (const id of ctr(['containers', 'ls', '-q']).stdout.split('\n').filter(Boolean)) ctr(['containers', 'rm', id]);
      ctr(['images', 'rm', IMAGE]);
      daemon.kill('SIGTERM');
      if (daemon.exitCode === null) await new Promise((r) => daemon.once('exit', r));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
