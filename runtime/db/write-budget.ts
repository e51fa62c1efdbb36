/**
 * The two ways a write can run out of its time budget, told apart because the answer differs:
 * GitHub never retries by itself, and an operator must know whether a redelivery is needed.
 */

/** The budget ran out before the write could commit, and it was rolled back (or never sent): nothing was stored. */
export class WriteTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`the database did not take the write within ${timeoutMs} ms`);
    this.name = 'WriteTimeoutError';
  }
}

/**
 * The budget ran out while the commit was on its way: the database may still commit it. Every write
 * path is idempotent by (source, external id), so sending it again is safe either way.
 */
export class WriteOutcomeUnknownError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`the database did not confirm the write within ${timeoutMs} ms; it may still be stored`);
    this.name = 'WriteOutcomeUnknownError';
  }
}
