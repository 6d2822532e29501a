/**
 * Running a stage's hooks in order, through the context's runner (the real
 * one spawns: hooks.ts, loaded only when a hook is there to run).
 */
import type { Hook } from '../plan/spec.js';

export type HookRunner = (stage: string, hook: Hook, state: string) => Promise<void>;

/** Runs hooks in order; the first failure stops the rest. */
export async function runHooks(run: HookRunner, stage: string, hooks: readonly Hook[], state: string): Promise<void> {
  for (const hook of hooks) await run(stage, hook, state);
}

/** Runs every hook even when some fail (poststop: failures are warnings); returns the failures. */
export async function runAllHooks(run: HookRunner, stage: string, hooks: readonly Hook[], state: string): Promise<Error[]> {
  const failures: Error[] = [];
  for (const hook of hooks) {
    try {
      await run(stage, hook, state);
    } catch (err) {
      failures.push(err as Error);
    }
  }
  return failures;
}
