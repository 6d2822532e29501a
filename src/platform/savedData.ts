/**
 * Checks for backend data read back from disk (a record's `sandbox`,
 * recovery.json): the file may come from another runj version or have been
 * edited, so each field is checked before it is used, and a wrong one is an
 * error that names it instead of a crash somewhere in teardown.
 */
import { RuntimeError } from '../core/errors.js';

export type Fields = Record<string, unknown>;

export function fail(where: string, msg: string): never {
  throw new RuntimeError('ESYSTEM', `${where}: ${msg}`);
}

export function isFields(v: unknown): v is Fields {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function fields(v: unknown, where: string): Fields {
  if (!isFields(v)) fail(where, 'must be an object');
  return v;
}

export function text(v: unknown, where: string): string {
  if (typeof v !== 'string') fail(where, 'must be a string');
  return v;
}

export function optionalText(v: unknown, where: string): string | undefined {
  return v === undefined ? undefined : text(v, where);
}

export function integer(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(where, 'must be an integer');
  return v;
}

export function optionalInteger(v: unknown, where: string): number | undefined {
  return v === undefined ? undefined : integer(v, where);
}

export function listOf<T>(v: unknown, where: string, item: (v: unknown, where: string) => T): T[] {
  if (!Array.isArray(v)) fail(where, 'must be an array');
  return v.map((x, i) => item(x, `${where}[${i}]`));
}

export function oneOf<T extends string>(v: unknown, where: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a === v);
  if (found === undefined) fail(where, `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
  return found;
}
