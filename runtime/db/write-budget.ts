import { isDatabaseUnavailable, isQueryCanceled } from './errors.js';

/**
 * The time budget of one write (a webhook delivery, an ingest call, a ledger write, a heartbeat) and
 * the two ways it can run out, told apart because the answer differs: GitHub never retries by
 * itself, and an operator must know whether a redelivery is needed.
 *
 * A write's budget ends with one of:
 * - never sent, or rolled back for certain (the database's own statement_timeout, or a transaction
 *   we roll back ourselves because the budget ran out before its COMMIT was sent): WriteTimeoutError;
 * - the budget ran out while the COMMIT was on its way: WriteOutcomeUnknownError.
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

// The part of the budget kept back for the COMMIT's round trip after the last statement: the
// database cancels the statements early enough that the answer can arrive within the budget.
export const COMMIT_ALLOWANCE_MS = 250;
// A write with less than this left is not worth sending.
const MIN_STATEMENT_MS = 20;

/**
 * queued: not sent yet; running: its statements are in a transaction whose COMMIT we have not sent;
 * committing: the COMMIT is on its way (or goes out with the statements); abandoned: its budget ran
 * out before it was committing, and its caller was told nothing was stored.
 */
export type BudgetState = 'queued' | 'running' | 'committing' | 'abandoned';

export class WriteBudget {
  readonly deadline: number;
  state: BudgetState = 'queued';

  constructor(readonly budgetMs: number) {
    this.deadline = Date.now() + budgetMs;
  }

  /**
   * The write is about to be sent: the statement timeout it has left (COMMIT_ALLOWANCE_MS kept for
   * the COMMIT's answer), or null when it is out of time, which abandons it for good.
   */
  start(now = Date.now()): number | null {
    const left = this.deadline - now - COMMIT_ALLOWANCE_MS;
    if (this.state === 'abandoned' || left < MIN_STATEMENT_MS) {
      this.state = 'abandoned';
      return null;
    }
    this.state = 'running';
    return left;
  }

  get abandoned(): boolean {
    return this.state === 'abandoned';
  }

  timedOut(): WriteTimeoutError {
    return new WriteTimeoutError(this.budgetMs);
  }

  outcomeUnknown(): WriteOutcomeUnknownError {
    return new WriteOutcomeUnknownError(this.budgetMs);
  }

  /**
   * `stored`, or the budget's error when it runs out first: a write not yet committing is abandoned
   * (its runner must never commit it now), one whose COMMIT is on its way may still land.
   */
  guard<O>(stored: Promise<O>): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.state === 'committing') return reject(this.outcomeUnknown());
        this.state = 'abandoned';
        reject(this.timedOut());
      }, this.budgetMs);
      stored.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }
}

/** Thrown inside a transaction that holds a write whose budget ran out: it rolls back, and the others run again. */
export class BudgetLapsed extends Error {
  constructor() {
    super('a write of the transaction ran out of its time budget before the commit');
    this.name = 'BudgetLapsed';
  }
}

/**
 * Right before a transaction's COMMIT is sent: a write of it whose budget ran out meanwhile was told
 * "nothing was stored", so the transaction must not commit (BudgetLapsed rolls it back); otherwise
 * every write of it is committing from now on.
 */
export function readyToCommit(budgets: readonly WriteBudget[], now = Date.now()): void {
  // Past the deadline counts even before its timer has fired (a long synchronous stretch, such as an
  // embedded query, delays timers): the caller is about to hear "nothing was stored".
  for (const budget of budgets) if (now >= budget.deadline) budget.state = 'abandoned';
  if (budgets.some((budget) => budget.abandoned)) throw new BudgetLapsed();
  for (const budget of budgets) budget.state = 'committing';
}

/**
 * What a failed transaction means for one of its writes, when the budget decides it: stopped by the
 * statement timeout (rolled back: nothing stored), or the connection lost while the COMMIT was on
 * its way (it may have landed). Null for any other failure.
 */
export function budgetFailure(error: unknown, budget: WriteBudget): Error | null {
  if (isQueryCanceled(error)) return budget.timedOut();
  if (budget.state === 'committing' && isDatabaseUnavailable(error)) return budget.outcomeUnknown();
  return null;
}
