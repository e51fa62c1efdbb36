import { identityKey, roleStatement } from './as-role.js';
import { isDatabaseUnavailable, isTransientConflict } from './errors.js';
import { GroupCommit, type ItemResult } from './group-commit.js';
import type { Database, DbIdentity, Queryable } from './types.js';

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

  /** Runs `unit` as `identity` in a transaction shared with concurrent units; resolves after the commit. */
  run<O>(identity: DbIdentity, unit: Unit<O>): Promise<O> {
    return this.commit.submit(identityKey(identity), { identity, unit }) as Promise<O>;
  }


  private async runBatch(items: readonly Submitted[]): Promise<ItemResult<unknown>[]> {
    const results: (ItemResult<unknown> | undefined)[] = items.map(() => undefined);
    let remaining = items.map((_, index) => index);
    let conflicts = 0;
    while (remaining.length > 0) {
      const attempt = remaining;
      try {
        const values = await this.db.transaction(async (tx) => {
          const out: unknown[] = [];
          for (const [position, index] of attempt.entries()) {
            const { identity, unit } = items[index]!;
            try {
              // Not awaited: on PostgreSQL it goes out with the unit's first statement (pipelining).
              const role = roleStatement(identity);
              const roleSet = tx.query(role.sql, role.params);
              roleSet.catch(() => {});
              const value = await unit(tx);
              await roleSet;
              out.push(value);
            } catch (error) {
              throw new UnitFailed(position, error);
            }
          }
          return out;
        });
        attempt.forEach((index, position) => (results[index] = { ok: true, value: values[position] }));
        remaining = [];
      } catch (error) {
        const reason = error instanceof UnitFailed ? error.reason : error;
        if (isTransientConflict(reason) && conflicts < MAX_CONFLICT_RETRIES) {
          // Two batches locked rows in opposite orders (units of different callers share no batch,
          // so this can happen where a row is written by several): the database broke the tie by
          // aborting this one. Nothing of it was stored; run it again as it was.
          conflicts += 1;
          continue;
        }
        if (!(error instanceof UnitFailed) || isDatabaseUnavailable(reason)) {
          // The commit failed, or the database went away: no unit of this attempt is stored.
          for (const index of attempt) results[index] = { ok: false, error: reason };
          remaining = [];
        } else {
          // That unit's own failure; everything was rolled back, so the others run again without it.
          const failed = attempt[error.index]!;
          results[failed] = { ok: false, error: reason };
          remaining = attempt.filter((index) => index !== failed);
        }
      }
    }
    return results as ItemResult<unknown>[];
  }
}
