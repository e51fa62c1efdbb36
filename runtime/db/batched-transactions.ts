import { identityKey, roleStatement } from './as-role.js';
import { isDatabaseUnavailable, isTransientConflict } from './errors.js';
import { GroupCommit } from './group-commit.js';
import { doneWith, failedWith, type Settled } from '../core/outcome.js';
import type { Database, DbIdentity, Queryable } from '../core/database.js';
import { budgetFailure, BudgetLapsed, readyToCommit, WriteBudget } from './write-budget.js';

/**
 * Group commit for small units of work that need their own logic between statements (a ledger
 * create reads the row its trigger numbered before it writes the event; a heartbeat decides from
 * the locked row): concurrent units of one database identity run one after another inside one
 * transaction and commit together. A unit sees the effects of the units before it, exactly as if
 * they had run one after another, so its result is the one it would have had alone in that order.
 *
 * Each unit starts by setting the identity again (a unit may switch roles, as the ledger does to
 * write its audit event), so row-level security judges every unit as its caller. When a unit fails,
 * the transaction rolls back and the others run again without it: a failed unit fails only its own
 * request. An outage fails them all. No savepoints: subtransactions are not free in PostgreSQL.
 */

// A deadlock between two batches is retried this often before the units hear of it.
const MAX_CONFLICT_RETRIES = 3;

/** One unit of work; it runs inside the batch's transaction and must not commit or roll back. */
export type Unit<O> = (tx: Queryable) => Promise<O>;

export interface BatchedTransactionsOptions {
  /** Units per transaction at most. */
  maxUnits?: number;
  /** Transactions of one identity in flight at once. */
  maxInFlight?: number;
}

interface Submitted {
  identity: DbIdentity;
  unit: Unit<unknown>;
  budget: WriteBudget;
}

/** Thrown inside the transaction to say which unit failed; the batch rolls back and retries without it. */
class UnitFailed extends Error {
  constructor(
    readonly index: number,
    readonly reason: unknown,
  ) {
    super('a unit of the batch failed');
  }
}

export class BatchedTransactions {
  private readonly commit: GroupCommit<Submitted, unknown>;

  constructor(
    private readonly db: Database,
    options: BatchedTransactionsOptions = {},
  ) {
    this.commit = new GroupCommit<Submitted, unknown>({
      run: (_key, items) => this.runBatch(items),
      maxItems: options.maxUnits ?? 50,
      maxInFlight: options.maxInFlight ?? 2,
    });
  }

  /**
   * Runs `unit` as `identity` in a transaction shared with concurrent units; resolves after the
   * commit. Within `budgetMs` (the webhook's budget): a unit not committing by then is rolled back
   * and rejects with WriteTimeoutError (nothing stored); WriteOutcomeUnknownError when its COMMIT
   * was on its way.
   */
  run<O>(identity: DbIdentity, unit: Unit<O>, budgetMs: number): Promise<O> {
    const budget = new WriteBudget(budgetMs);
    return budget.guard(this.commit.submit(identityKey(identity), { identity, unit, budget })) as Promise<O>;
  }

  private async runBatch(items: readonly Submitted[]): Promise<Settled<unknown>[]> {
    const results: (Settled<unknown> | undefined)[] = items.map(() => undefined);
    let remaining = items.map((_, index) => index);
    let conflicts = 0;
    while (remaining.length > 0) {
      const attempt = remaining;
      // The units of this attempt that ran (were in time when their turn came), in order.
      const ran: number[] = [];
      try {
        const values = await this.db.transaction(async (tx) => {
          const out: unknown[] = [];
          for (const [position, index] of attempt.entries()) {
            const { identity, unit, budget } = items[index]!;
            // Its turn came too late (queued, waiting for a connection or behind the units before
            // it): it never runs, so "nothing was stored" is certain.
            const left = budget.start();
            if (left === null) {
              results[index] = failedWith(budget.timedOut());
              continue;
            }
            ran.push(index);
            try {
              // Not awaited: on PostgreSQL it goes out with the unit's first statement (pipelining).
              // The statement timeout is what this unit has left, so the database itself stops a
              // unit stuck on a lock and rolls the batch back.
              const role = roleStatement(identity, left);
              const roleSet = tx.query(role.sql, role.params);
              roleSet.catch(() => {});
              const value = await unit(tx);
              await roleSet;
              out.push(value);
            } catch (error) {
              throw new UnitFailed(position, error);
            }
          }
          // A unit whose budget ran out while the batch ran was told "nothing was stored": roll back.
          readyToCommit(ran.map((index) => items[index]!.budget));
          return out;
        });
        ran.forEach((index, k) => (results[index] = doneWith(values[k])));
        remaining = [];
      } catch (error) {
        const reason = error instanceof UnitFailed ? error.reason : error;
        // Whatever was not answered runs again (if at all) as not yet sent.
        const retry = (without: (index: number) => boolean) => {
          remaining = attempt.filter((index) => results[index] === undefined && !without(index));
          for (const index of remaining) items[index]!.budget.state = 'queued';
        };
        if (error instanceof BudgetLapsed) {
          // Rolled back for the lapsed units' sake (their callers heard "nothing was stored" already,
          // and now it is certain): the others again.
          for (const index of attempt) if (items[index]!.budget.abandoned) results[index] ??= failedWith(items[index]!.budget.timedOut());
          retry(() => false);
          continue;
        }
        if (isTransientConflict(reason) && conflicts < MAX_CONFLICT_RETRIES) {
          // Two batches locked rows in opposite orders (units of different callers share no batch,
          // so this can happen where a row is written by several): the database broke the tie by
          // aborting this one. Nothing of it was stored; run it again as it was.
          conflicts += 1;
          retry(() => false);
          continue;
        }
        if (error instanceof UnitFailed && !isDatabaseUnavailable(reason)) {
          // That unit's own failure (its statement timeout included: its budget ran out and the
          // database rolled everything back); the others run again without it.
          const failed = attempt[error.index]!;
          results[failed] = failedWith(budgetFailure(reason, items[failed]!.budget) ?? reason);
          retry((index) => index === failed);
          continue;
        }
        // The commit failed, or the database went away: no unit of this attempt is stored, unless
        // the connection failed with the COMMIT on its way (those may be).
        for (const index of attempt) {
          if (results[index] === undefined) results[index] = failedWith(budgetFailure(reason, items[index]!.budget) ?? reason);
        }
        remaining = [];
      }
    }
    return results as Settled<unknown>[];
  }
}
