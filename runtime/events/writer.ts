import { batchAsRole, identityKey, preparedBatchAsRole } from '../db/as-role.js';
import { isDatabaseUnavailable } from '../db/errors.js';
import { GroupCommit } from '../db/group-commit.js';
import { doneWith, failedWith, type Settled } from '../core/outcome.js';
import type { Database, DbIdentity, QueryResult } from '../core/database.js';
import { budgetFailure, WriteBudget } from '../db/write-budget.js';
import type { NewEvent } from './new-event.js';
import { insertEventsOutcomes, insertEventsStatement, repeatedKeysStatement, type InsertOutcome } from './repository.js';

/**
 * The write path of single events (webhook deliveries, ingest calls): concurrent writes of one
 * database identity are committed together, one transaction and one multi-row INSERT per batch,
 * sent in one round trip with the role, the claims and the time budget (see GroupCommit). Each
 * caller is answered with its own row's outcome once the batch has committed.
 *
 * Guarantees kept from one-transaction-per-event:
 * - Row-level security judges every row as its own caller: batches never mix identities.
 * - Exactly once by (source, external id): the unique key decides; repeats inside one batch are
 *   folded into one row and answered as a duplicate.
 * - A failed batch fails only its own requests: when a batch is refused for something one row did
 *   (a policy, a constraint), each of its rows is retried alone, so only that row's caller hears it.
 * - The time budget: a write not yet sent when its budget runs out is never sent (WriteTimeoutError,
 *   certain); the database enforces the rest of the budget itself (statement_timeout), so a stalled
 *   batch rolls back instead of committing after its callers were answered; a budget that runs out
 *   while the commit is on its way is reported as such (WriteOutcomeUnknownError), never as "refused".
 */

export interface EventWriterOptions {
  /** Rows per batch at most. */
  maxBatch?: number;
  /** Bytes of rows per batch at most (payloads included), roughly. */
  maxBatchBytes?: number;
  /** Batches of one identity in flight at once (each holds a pooled connection). */
  maxInFlight?: number;
}

interface PendingWrite {
  identity: DbIdentity;
  event: NewEvent;
  /** Committing as soon as it is sent: the batch's COMMIT goes out with its INSERT. */
  budget: WriteBudget;
  /** Roughly the bytes the row adds to a batch: the body it came in, for the batch's byte cap. */
  bytes: number;
}

const pairOf = (event: NewEvent): string | null => (event.externalId == null ? null : `${event.source}\u0000${event.externalId}`);

export class EventWriter {
  private readonly commit: GroupCommit<PendingWrite, InsertOutcome>;

  constructor(
    private readonly db: Database,
    options: EventWriterOptions = {},
  ) {
    this.commit = new GroupCommit<PendingWrite, InsertOutcome>({
      run: (_key, writes) => this.runBatch(writes),
      maxItems: options.maxBatch ?? 200,
      maxBytes: options.maxBatchBytes ?? 4 * 1024 * 1024,
      sizeOf: (write) => write.bytes,
      maxInFlight: options.maxInFlight ?? 2,
    });
  }


  /**
   * Stores `event` as `identity` within `budgetMs`. Resolves after the commit; rejects with
   * WriteTimeoutError (nothing stored), WriteOutcomeUnknownError (the commit may land), or the
   * database's error for this row. `bytes`: the size of the body the event came in (the batch cap).
   */
  write(identity: DbIdentity, event: NewEvent, budgetMs: number, bytes = 1024): Promise<InsertOutcome> {
    const write: PendingWrite = { identity, event, budget: new WriteBudget(budgetMs), bytes };
    return write.budget.guard(this.commit.submit(identityKey(identity), write));
  }

  /** One transaction for `writes` (all of one identity). Only writes still within budget when the connection is in hand are sent. */
  private async runBatch(writes: readonly PendingWrite[]): Promise<Settled<InsertOutcome>[]> {
    const identity = writes[0]!.identity;
    const results: (Settled<InsertOutcome> | undefined)[] = writes.map(() => undefined);
    const sent: number[] = [];
    let unique: NewEvent[] = [];
    let slot: number[] = [];
    let committed: QueryResult<Record<string, unknown>> | null = null;

    const prepare = () => {
      const now = Date.now();
      let statementTimeoutMs = Infinity;
      writes.forEach((write, index) => {
        const left = write.budget.start(now);
        if (left !== null) {
          sent.push(index);
          statementTimeoutMs = Math.min(statementTimeoutMs, left);
        } else {
          // Out of time before it was sent (waiting in the queue, for a connection, for PGlite's
          // turn): it never will be, so "nothing was stored" is certain.
          results[index] = failedWith(write.budget.timedOut());
        }
      });
      if (sent.length === 0) return null;
      ({ unique, slot } = foldRepeats(sent.map((index) => writes[index]!.event)));
      for (const index of sent) writes[index]!.budget.state = 'committing';
      return { statements: [insertEventsStatement(unique)], statementTimeoutMs };
    };

    try {
      const raw = await preparedBatchAsRole(this.db, identity, prepare);
      if (raw) committed = raw[0]!;
    } catch (error) {
      const failed = sent.length > 0 ? sent : writes.map((_, index) => index).filter((index) => results[index] === undefined);
      const byBudget = failed.map((index) => budgetFailure(error, writes[index]!.budget));
      if (byBudget.every((decided) => decided !== null)) {
        // Stopped by the database at the budget and rolled back (nothing stored), or the connection
        // failed after the batch was written to it, so the COMMIT may have reached the database.
        failed.forEach((index, k) => (results[index] = failedWith(byBudget[k])));
      } else if (isDatabaseUnavailable(error) || failed.length === 1) {
        // An outage before anything was sent (no connection), or this row's own refusal.
        for (const index of failed) results[index] = failedWith(error);
      } else {
        // Something one row did (a policy, a constraint) refused the batch, which rolled back: each
        // row again on its own, so only its own caller hears of it.
        for (const index of failed) writes[index]!.budget.state = 'queued';
        const alone = await Promise.all(failed.map((index) => this.runBatch([writes[index]!])));
        failed.forEach((index, k) => (results[index] = alone[k]![0]));
      }
    }
    if (committed) await this.answerCommitted(identity, writes, sent, unique, slot, committed, results);
    return results.map((result) => result ?? failedWith(new Error('event writer: a write was neither sent nor refused')));
  }

  /**
   * The answers of a committed batch. Repeats are rare (redeliveries): their ids are looked up after
   * the commit, by a read of their own, so a batch without any costs no second statement (stored rows
   * cannot go away). If that read fails, a repeat's row exists but its id is unknown: "may be stored".
   */
  private async answerCommitted(
    identity: DbIdentity,
    writes: readonly PendingWrite[],
    sent: readonly number[],
    unique: readonly NewEvent[],
    slot: readonly number[],
    committed: QueryResult<Record<string, unknown>>,
    results: (Settled<InsertOutcome> | undefined)[],
  ): Promise<void> {
    const repeats = repeatedKeysStatement(unique, committed);
    let found: QueryResult<Record<string, unknown>> | undefined;
    let lookupFailed = false;
    if (repeats) {
      try {
        [found] = await batchAsRole(this.db, identity, [repeats]);
      } catch {
        lookupFailed = true;
      }
    }
    const outcomes = insertEventsOutcomes(unique, committed, found);
    const answered = new Set<number>();
    sent.forEach((index, k) => {
      const row = slot[k]!;
      const outcome = outcomes[row]!;
      if (outcome.outcome !== 'stored' && lookupFailed) {
        results[index] = failedWith(writes[index]!.budget.outcomeUnknown());
        return;
      }
      // The first request of a folded repeat gets the row; the others are its duplicates.
      const value: InsertOutcome = answered.has(row) && outcome.outcome === 'stored' ? { outcome: 'duplicate', id: outcome.id } : outcome;
      answered.add(row);
      results[index] = doneWith(value);
    });
  }
}

/** Repeats of one (source, external id) become one row; `slot` maps each event to its row. */
function foldRepeats(events: readonly NewEvent[]): { unique: NewEvent[]; slot: number[] } {
  const firstOf = new Map<string, number>();
  const unique: NewEvent[] = [];
  const slot = events.map((event) => {
    const pair = pairOf(event);
    const seen = pair === null ? undefined : firstOf.get(pair);
    if (seen !== undefined) return seen;
    unique.push(event);
    if (pair !== null) firstOf.set(pair, unique.length - 1);
    return unique.length - 1;
  });
  return { unique, slot };
}
