import { isDatabaseUnavailable } from '../db/errors.js';
import { WriteOutcomeUnknownError, WriteTimeoutError } from '../db/write-budget.js';
import { apiError, ApiError } from './errors.js';

// GitHub does not retry by itself; the header is for operators and for clients that do.
const RETRY_AFTER = { 'Retry-After': '5' };

/**
 * A write failed for want of the database: its budget ran out (before or while committing), or the
 * database is unavailable. Anything else is not an outage. The one classification, for the services
 * whose answer differs from writeUnavailable's (the reconciler's pass).
 */
export function failedForWantOfDatabase(error: unknown): boolean {
  return error instanceof WriteTimeoutError || error instanceof WriteOutcomeUnknownError || isDatabaseUnavailable(error);
}

/**
 * The 503 for a write that failed for want of the database (its budget, an outage), or null when
 * the error is something else. Each answer says only what is certain: "nothing was stored" only
 * where the write was rolled back or never sent. `beforeRepeating`: for a write that is not
 * idempotent (a task create makes a new task each time), what to check before sending it again.
 */
export function writeUnavailable(error: unknown, what: string, beforeRepeating?: string): ApiError | null {
  if (!failedForWantOfDatabase(error)) return null;
  if (error instanceof WriteTimeoutError) return apiError(503, 'store_timeout', `the database did not take ${what} within ${error.timeoutMs} ms; nothing was stored`, RETRY_AFTER);
  if (error instanceof WriteOutcomeUnknownError) {
    const advice = beforeRepeating ?? 'send it again (a repeat is stored at most once)';
    return apiError(503, 'store_outcome_unknown', `the database did not confirm ${what} within ${error.timeoutMs} ms; it may have been stored: ${advice}`, RETRY_AFTER);
  }
  return apiError(503, 'database_unavailable', `the database is unavailable; ${what} was not stored`, RETRY_AFTER);
}
