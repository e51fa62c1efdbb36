import { identityKey, roleStatement } from '../db/as-role.js';
import { isDatabaseUnavailable, isPermissionDenied, isTransientConflict } from '../db/errors.js';
import { GroupCommit } from '../db/group-commit.js';
import { doneWith, failedWith, type Settled } from '../core/outcome.js';
import type { Database } from '../core/database.js';
import { budgetFailure, BudgetLapsed, readyToCommit, WriteBudget } from '../db/write-budget.js';
import type { CreateOutcome, Actor } from './ledger-commands.js';
import { createdEvent } from './ledger-events.js';
import { existingVtids, insertLedgerEntriesStatement, readInsertedEntries, recordLedgerEvents, type NewLedgerEntry } from './ledger-repository.js';

/**
 * Task creation with group commit: concurrent creates of one caller become one transaction of three
 * statements, whatever their number: which parents exist, one multi-row INSERT (the trigger numbers
 * the rows in order, so the year's counter row is locked once per batch, not once per task), and one
 * multi-row INSERT of their `vtid.created` events. Each caller is answered with its own task after
 * the commit.
 *
 * A create whose parent does not exist is answered unknown_parent and inserts nothing. When the
 * insert policy refuses a row (another tenant), the batch rolls back and each of its creates runs
 * again alone, so only that caller hears of it, and no number is burned: the counter bump rolled back
 * with it.
 */

interface PendingCreate {
  actor: Actor;
  entry: NewLedgerEntry;
  budget: WriteBudget;
}

// A deadlock between two batches (with a PATCH of a parent, say) is retried this often.
const MAX_CONFLICT_RETRIES = 3;

export class LedgerCreator {
  private readonly commit: GroupCommit<PendingCreate, CreateOutcome>;

  constructor(
    private readonly db: Database,
    options: { maxBatch?: number; maxInFlight?: number } = {},
  ) {
    this.commit = new GroupCommit<PendingCreate, CreateOutcome>({
      run: (_key, creates) => this.runBatch(creates),
      maxItems: options.maxBatch ?? 200,
      // Batches of one caller queue on the year's counter row anyway: one at a time, the next filling.
      maxInFlight: options.maxInFlight ?? 1,
    });
  }

  /**
   * Registers `entry` as `actor` within `budgetMs` (the webhook's budget): a create not committing by
   * then is rolled back and rejects with WriteTimeoutError (nothing stored, no number burned);
   * WriteOutcomeUnknownError when its COMMIT was on its way.
   */
  create(actor: Actor, entry: NewLedgerEntry, budgetMs: number): Promise<CreateOutcome> {
    const budget = new WriteBudget(budgetMs);
    return budget.guard(this.commit.submit(identityKey(actor.identity), { actor, entry, budget }));
  }

  private async runBatch(creates: readonly PendingCreate[], conflicts = 0): Promise<Settled<CreateOutcome>[]> {
    const results: (Settled<CreateOutcome> | undefined)[] = creates.map(() => undefined);
    // The creates that were in time when the connection was in hand, in order.
    const sent: number[] = [];
    try {
      const outcomes = await this.store(creates, sent, results);
      sent.forEach((index, k) => (results[index] = doneWith(outcomes[k]!)));
    } catch (error) {
      await this.settleFailure(error, creates, sent, results, conflicts);
    }
    return results.map((result) => result ?? failedWith(new Error('ledger creator: a create was neither sent nor refused')));
  }

  /** The answers of a batch whose transaction failed (and rolled back, or may have committed). */
  private async settleFailure(
    error: unknown,
    creates: readonly PendingCreate[],
    sent: readonly number[],
    results: (Settled<CreateOutcome> | undefined)[],
    conflicts: number,
  ): Promise<void> {
    const rerun = async (indices: readonly number[], conflictsSoFar: number) => {
      for (const index of indices) creates[index]!.budget.state = 'queued';
      const answers = await this.runBatch(indices.map((index) => creates[index]!), conflictsSoFar);
      indices.forEach((index, k) => (results[index] = answers[k]));
    };
    if (error instanceof BudgetLapsed) {
      // Rolled back for the lapsed creates' sake (their callers heard "nothing was stored"): the others again.
      for (const index of sent) if (creates[index]!.budget.abandoned) results[index] = failedWith(creates[index]!.budget.timedOut());
      return rerun(sent.filter((index) => results[index] === undefined), conflicts);
    }
    if (isTransientConflict(error) && conflicts < MAX_CONFLICT_RETRIES) return rerun(sent, conflicts + 1);
    const byBudget = sent.map((index) => budgetFailure(error, creates[index]!.budget));
    if (sent.length > 0 && byBudget.every((decided) => decided !== null)) {
      // Stopped at the budget by the database (rolled back), or the COMMIT was on its way when the connection failed.
      sent.forEach((index, k) => (results[index] = failedWith(byBudget[k])));
      return;
    }
    const failed = sent.length > 0 ? sent : creates.map((_, index) => index).filter((index) => results[index] === undefined);
    if (failed.length === 1) {
      const index = failed[0]!;
      results[index] = isPermissionDenied(error) ? doneWith({ outcome: 'wrong_tenant', tenant: creates[index]!.entry.tenant }) : failedWith(error);
      return;
    }
    if (isDatabaseUnavailable(error)) {
      for (const index of failed) results[index] = failedWith(error);
      return;
    }
    // One row's refusal rolled the batch back: each again on its own.
    await Promise.all(failed.map((index) => rerun([index], 0)));
  }

  /**
   * One transaction for the creates still in time once the connection is in hand (`sent` says which;
   * the others are answered in `results`). Their outcomes, in the order of `sent`.
   */
  private store(creates: readonly PendingCreate[], sent: number[], results: (Settled<CreateOutcome> | undefined)[]): Promise<CreateOutcome[]> {
    const identity = creates[0]!.actor.identity;
    return this.db.transaction(async (tx) => {
      const now = Date.now();
      let statementTimeoutMs = Infinity;
      creates.forEach((create, index) => {
        const left = create.budget.start(now);
        // Out of time before it was sent: it never will be, so "nothing was stored" is certain.
        if (left === null) results[index] = failedWith(create.budget.timedOut());
        else {
          sent.push(index);
          statementTimeoutMs = Math.min(statementTimeoutMs, left);
        }
      });
      const batch = sent.map((index) => creates[index]!);
      if (batch.length === 0) return [];
      // The database itself stops a batch stuck on a lock at the earliest budget, and rolls it back.
      const role = roleStatement(identity, statementTimeoutMs);
      const roleSet = tx.query(role.sql, role.params);
      roleSet.catch(() => {});
      // Rows are never deleted, so a parent seen here still exists at commit (the foreign key agrees).
      const parents = await existingVtids(tx, [...new Set(batch.flatMap((c) => (c.entry.parentVtid === null ? [] : [c.entry.parentVtid])))]);
      await roleSet;
      const outcomes: (CreateOutcome | undefined)[] = batch.map((c) =>
        c.entry.parentVtid !== null && !parents.has(c.entry.parentVtid) ? { outcome: 'unknown_parent', parentVtid: c.entry.parentVtid } : undefined,
      );
      const toInsert = batch.map((c, index) => ({ c, index })).filter(({ index }) => outcomes[index] === undefined);
      if (toInsert.length > 0) {
        const { sql, params } = insertLedgerEntriesStatement(toInsert.map(({ c }) => c.entry));
        const entries = readInsertedEntries(await tx.query(sql, params), toInsert.length);
        await recordLedgerEvents(
          tx,
          entries.map((entry, k) => createdEvent(entry, toInsert[k]!.c.actor.name)),
        );
        entries.forEach((entry, k) => (outcomes[toInsert[k]!.index] = { outcome: 'created', entry }));
      }
      // A create whose budget ran out meanwhile was told "nothing was stored": then roll back.
      readyToCommit(batch.map((c) => c.budget));
      return outcomes as CreateOutcome[];
    });
  }
}
