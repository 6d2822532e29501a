/**
 * Node's built-in modules that only some commands use, required when first
 * used instead of imported: node:child_process costs ~10 ms of a command's
 * start-up, node:net ~5 ms (node:stream with it), node:crypto and node:os
 * less (docs/performance.md). `import type` keeps the types.
 */
import { createRequire } from 'node:module';

let load: NodeJS.Require | undefined;

/** The built-in module `name` (e.g. 'node:os'), loaded on this first use. */
export function builtin<T>(name: string): T {
  load ??= createRequire(import.meta.url);
  return load(name) as T;
}
