import { expect } from 'vitest';
import { M1Error } from '../../src/errors.js';

/** The M1Error a promise rejects with (the test fails if it resolves or throws anything else). */
export async function m1Error(p: Promise<unknown>): Promise<M1Error> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(M1Error);
  return err as M1Error;
}
