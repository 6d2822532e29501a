import { expect } from 'vitest';
import { RuntimeError } from '../../../src/core/errors.js';

/** The rejection of `p`, which must be a RuntimeError. */
export async function failure(p: Promise<unknown>): Promise<RuntimeError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RuntimeError);
  return err as RuntimeError;
}
