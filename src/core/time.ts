/**
 * Waiting. The runtime's waits go through a Clock so unit tests can run
 * them against a fake one; the synchronous sleep is for the few places
 * that must block (taking a lock, polling exec.fifo).
 */

export interface Clock {
  /** Milliseconds, as Date.now(). */
  now(): number;
  /** Resolves after `ms` milliseconds (0: after pending I/O, as setImmediate). */
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => (ms > 0 ? setTimeout(r, ms) : setImmediate(r))),
};

/** Blocks the thread for `ms` milliseconds. */
export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Polls `done` until it returns true (→ true) or `timeoutMs` passes
 * (→ false). Asynchronous, so a long-lived caller (a shim using the runtime
 * as a library) is not blocked; the poll backs off from 0 to 50 ms.
 */
export async function pollUntil(done: () => boolean, timeoutMs: number, clock: Clock = systemClock): Promise<boolean> {
  const deadline = clock.now() + timeoutMs;
  for (let wait = 0; !done(); wait = Math.min(wait * 2 || 1, 50)) {
    if (clock.now() > deadline) return false;
    await clock.sleep(wait);
  }
  return true;
}
