/**
 * Internal results are tagged one way: an `outcome` field names what happened ('stored',
 * 'duplicate', 'refused', 'done', ...), and a switch on it is exhaustive. HTTP bodies keep `ok`:
 * that is their public contract, not an internal result.
 */

/** A unit of work that finished with its value, or failed with the error its caller rethrows. */
export type Settled<T> = { outcome: 'done'; value: T } | { outcome: 'failed'; error: unknown };

export const doneWith = <T>(value: T): Settled<T> => ({ outcome: 'done', value });

export const failedWith = (error: unknown): Settled<never> => ({ outcome: 'failed', error });
