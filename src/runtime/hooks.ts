/**
 * Hooks run by the runtime process itself (prestart, createRuntime,
 * poststart, poststop): state JSON on stdin, `env` as the whole environment
 * (runc inherits the runtime's when `env` is absent), `args` as execv's argv,
 * SIGKILL when `timeout` seconds pass. createContainer and startContainer
 * hooks run inside the container, in the helper.
 */
import { spawn } from 'node:child_process';
import type { Hook } from '../plan/spec.js';
import { RuntimeError } from './errors.js';

const OUTPUT_LIMIT = 4096;

function envObject(env: string[] | undefined): NodeJS.ProcessEnv {
  if (env === undefined) return process.env;
  const out: NodeJS.ProcessEnv = {};
  for (const kv of env) {
    const i = kv.indexOf('=');
    if (i > 0) out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
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
    });
    const collect = (b: Buffer) => {
      if (output.length < OUTPUT_LIMIT) output += b.toString('utf8').slice(0, OUTPUT_LIMIT - output.length);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.stdin.on('error', () => {}); // a hook that does not read its stdin is fine
    child.stdin.end(state);
    const timer =
      hook.timeout !== undefined
        ? setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, hook.timeout * 1000)
        : undefined;
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      fail(err.message);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const out = output.trim() ? `: ${output.trim()}` : '';
      if (timedOut) fail(`timed out after ${hook.timeout}s${out}`);
      else if (signal) fail(`killed by ${signal}${out}`);
      else if (code !== 0) fail(`exit status ${code}${out}`);
      else resolve();
    });
  });
}

/** Runs hooks in order; the first failure stops the rest. */
export async function runHooks(stage: string, hooks: readonly Hook[], state: string): Promise<void> {
  for (const hook of hooks) await runHook(stage, hook, state);
}

/** Runs every hook even when some fail (poststop: failures are warnings); returns the failures. */
export async function runAllHooks(stage: string, hooks: readonly Hook[], state: string): Promise<Error[]> {
  const failures: Error[] = [];
  for (const hook of hooks) {
    try {
      await runHook(stage, hook, state);
    } catch (err) {
      failures.push(err as Error);
    }
  }
  return failures;
}
