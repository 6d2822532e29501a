/**
 * Warms a launch bundle before a code cache of it is made (build/bundle.mjs):
 * runs `runj create` (or `runj run`) once in it (src/mainLaunch.ts), so the
 * cache holds every function the command compiles (argument parsing, reading
 * and validating the bundle, the plan, the backend's translation, the state
 * store, the helper conversation; run's start, wait and delete too) and not
 * only the bundle's top level. Measured: create's wall time -4 to -7 ms with a
 * warm cache; run's own cache, warmed by a run, run -0.9 ms where create's
 * cache warmed by a run cost create +0.8 (docs/performance.md).
 *
 * The command makes nothing outside a temporary directory: its state root is
 * there, the helper is a stand-in that answers the conversation on its sync
 * socket and starts no container (for run: makes exec.fifo, writes the byte
 * start waits for, and exits 0 as the container would), and the backend's
 * setUp makes its cgroups in plain directories of the temporary directory
 * (Linux) or nothing (a jail). The host's own backend does the rest (prepare,
 * records, teardown), as in a real command.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

// The helper's messages (native/README.md): its pid, the hooks point, ready. fd 3 is its sync
// socket (no preserved fds), after the namespaces it may enter early (--unshare TYPES), which it
// does not. create's reads nothing it is sent; run's reads the plan for its fifo-dir (a path
// without spaces or escapes: the temporary directory's), and after ready lets start through
// exec.fifo as the helper's exec of the program would (the byte, then the fifo closed).
const HELPER = {
  create: `#!/bin/sh
[ "$1" = --unshare ] && shift 2
[ "$1" = 3 ] || exit 2
printf '{"type":"pid","pid":%d}\\n{"type":"hooks"}\\n{"type":"ready"}\\n' $$ >&3
`,
  run: `#!/bin/sh
[ "$1" = --unshare ] && shift 2
[ "$1" = 3 ] || exit 2
while read -r key value <&3; do
  [ "$key" = fifo-dir ] && dir=$value
  [ "$key" = end ] && break
done
[ -n "$dir" ] && mkfifo -m 0622 "$dir/exec.fifo" || exit 1
printf '{"type":"pid","pid":%d}\\n{"type":"hooks"}\\n{"type":"ready"}\\n' $$ >&3
exec 3>&-
printf 0 > "$dir/exec.fifo"
`,
};

/**
 * Runs the launch bundle `script` (compiled from `file`) with a `command`
 * (create or run) of a `config` (a default config.json of the host's
 * platform), and resolves when it is done; rejects if it failed.
 */
export async function warmUp(script, file, config, command = 'create') {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'runj-warm-'));
  // The stand-in helper, and the empty host policy (a file that does not exist): not the host's.
  const env = { RUNJ_HELPER: path.join(dir, 'helper'), RUNJ_POLICY: path.join(dir, 'no-policy.json') };
  const was = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const key = Symbol.for('runj.warmUp');
  try {
    const bundle = path.join(dir, 'bundle');
    mkdirSync(path.join(bundle, 'rootfs'), { recursive: true });
    writeFileSync(path.join(bundle, 'config.json'), JSON.stringify({ ...config, process: { ...config.process, args: ['true'] } }));
    writeFileSync(env.RUNJ_HELPER, HELPER[command]);
    chmodSync(env.RUNJ_HELPER, 0o755);
    Object.assign(process.env, env);
    let warm;
    globalThis[key] = (w) => {
      warm = w;
    };
    const mod = { exports: {} };
    script.runInThisContext()(mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
    if (!warm) throw new Error(`${file} did not offer its warm-up (src/mainLaunch.ts)`);
    // Linux's set-up runs for real on plain directories here, as a v1 host's cgroup file systems
    // (test/unit/cgroups.test.ts does the same): its cgroup code is cached too, and run's delete
    // removes them again. Any other backend's set-up (a jail) makes nothing.
    const cgroups = path.join(dir, 'cgroup');
    const hierarchies = ['cpuset', 'memory', 'pids', 'freezer'].map((c) => ({ controllers: [c], mount: path.join(cgroups, c) }));
    for (const h of hierarchies) mkdirSync(h.mount, { recursive: true });
    // Recovery, which finds a container's processes and cgroups on the host by its id (and the
    // host's layout in recovery.json) when a delete or a failed create falls back to it, does
    // nothing: none of the host's is the warm-up's.
    const backend = async (platform) => {
      const real = await warm.loadSandbox(platform);
      const setUp = async (plan) =>
        plan?.cgroup ? real.setUp({ ...plan, cgroup: { ...plan.cgroup, layout: { mode: 'v1', hierarchies, unified: undefined } } }) : {};
      return { ...real, setUp: platform === 'linux' ? setUp : async () => ({}), recover: async () => {} };
    };
    const code = await new Promise((resolve) => {
      warm.run({ argv: ['--root', path.join(dir, 'state'), command, '--bundle', bundle, 'warm'], context: { backend }, exit: resolve });
    });
    if (code !== 0) throw new Error(`runj ${command} in ${file} exited ${code}`);
    if (command === 'run') {
      if (existsSync(path.join(dir, 'state', 'warm'))) throw new Error(`runj run in ${file} left its container`);
    } else {
      const record = JSON.parse(readFileSync(path.join(dir, 'state', 'warm', 'state.json'), 'utf8'));
      if (record.status !== 'created') throw new Error(`runj create in ${file} left the container ${record.status}`);
    }
  } finally {
    delete globalThis[key];
    for (const [k, v] of Object.entries(was)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
