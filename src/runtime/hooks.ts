/**
 * Hooks run by the runtime process itself (prestart, createRuntime,
 * poststart, poststop): state JSON on stdin, `env` as the whole environment
 * (runc inherits the runtime's when `env` is absent), `args` as execv's argv,
 * SIGKILL when `timeout` seconds pass. createContainer and startContainer
 * hooks run inside the container, in the helper (native/hooks.c).
 *
 * A hook is its own process group, and the whole group is killed when the
 * hook exits or times out: a child it leaves behind (`sleep 30 &`) would
 * otherwise keep the output pipe open, and waiting for that pipe's end
 * would hold create (or start, delete) until the child chose to exit.
 */
import { spawn } from 'node:child_process';
import type { Hook } from '../plan/spec.js';
import { RuntimeError } from '../core/errors.js';
import { HOOK_OUTPUT_MAX } from '../core/readLimited.js';

/** After the hook exits and its group is killed: how long its last output may take to arrive. */
const DRAIN_MS = 200;

function envObject(env: string[] | undefined): NodeJS.ProcessEnv {
  if (env === undefined) return process.env;
  const out: NodeJS.ProcessEnv = {};
  for (const kv of env) {
    const i = kv.indexOf('=');
    if (i > 0) out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

function killGroup(pgid: number | undefined): void {
  if (!pgid) return;
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {} // ESRCH: nothing of the group is left
}

export function runHook(stage: string, hook: Hook, state: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const argv = hook.args?.length ? hook.args : [hook.path];
    const fail = (why: string) =>
      reject(new RuntimeError('EHOOK', `${stage} hook ${hook.path}: ${why}`, { stage, path: hook.path }));
    let output = '';
    let timedOut = false;
    const child = spawn(hook.path, argv.slice(1), {
      argv0: argv[0],
      env: envObject(hook.env),
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true, // setsid: the hook leads a new process group (and has no controlling terminal)
    });
    const collect = (b: Buffer) => {
      if (output.length < HOOK_OUTPUT_MAX) output += b.toString('utf8').slice(0, HOOK_OUTPUT_MAX - output.length);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.stdin.on('error', () => {}); // a hook that does not read its stdin is fine
    child.stdin.end(state);
    const timer =
      hook.timeout !== undefined
        ? setTimeout(() => {
            timedOut = true;
            killGroup(child.pid);
          }, hook.timeout * 1000)
        : undefined;
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      fail(err.message);
    });
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      killGroup(child.pid);
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        clearTimeout(drain);
        child.stdout.destroy();
        child.stderr.destroy();
        const out = output.trim() ? `: ${output.trim()}` : '';
        if (timedOut) fail(`timed out after ${hook.timeout}s${out}`);
        else if (signal) fail(`killed by ${signal}${out}`);
        else if (code !== 0) fail(`exit status ${code}${out}`);
        else resolve();
      };
      // The pipes end once the group is gone; a process that left the group
      // (setsid) may still hold them: stop reading after DRAIN_MS.
      const drain = setTimeout(finish, DRAIN_MS);
      child.once('close', finish);
    });
  });
}
