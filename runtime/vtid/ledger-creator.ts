import { identityKey, roleStatement } from '../db/as-role.js';
import { isDatabaseUnavailable, isPermissionDenied, isTransientConflict } from '../db/errors.js';
import { GroupCommit, type ItemResult } from '../db/group-commit.js';
import type { Database } from '../db/types.js';
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

  create(actor: Actor, entry: NewLedgerEntry): Promise<CreateOutcome> {
    return this.commit.submit(identityKey(actor.identity), { actor, entry });
  }

  private async runBatch(creates: readonly PendingCreate[], conflicts = 0): Promise<ItemResult<CreateOutcome>[]> {
    try {
      const outcomes = await this.store(creates);
      return outcomes.map((value) => ({ ok: true, value }));
    } catch (error) {
      if (isTransientConflict(error) && conflicts < MAX_CONFLICT_RETRIES) return this.runBatch(creates, conflicts + 1);
      if (creates.length === 1) {
        if (isPermissionDenied(error)) return [{ ok: true, value: { kind: 'wrong_tenant', tenant: creates[0]!.entry.tenant } }];
        return [{ ok: false, error }];
      }
      if (isDatabaseUnavailable(error)) return creates.map(() => ({ ok: false, error }));
      // One row's refusal rolled the batch back: each again on its own.
      return (await Promise.all(creates.map((create) => this.runBatch([create])))).map((results) => results[0]!);
    }
  }

  private store(creates: readonly PendingCreate[]): Promise<CreateOutcome[]> {
    const identity = creates[0]!.actor.identity;
    return this.db.transaction(async (tx) => {
      const role = roleStatement(identity);
      const roleSet = tx.query(role.sql, role.params);
      roleSet.catch(() => {});
      // Rows are never deleted, so a parent seen here still exists at commit (the foreign key agrees).
      const parents = await existingVtids(tx, [...new Set(creates.flatMap((c) => (c.entry.parentVtid === null ? [] : [c.entry.parentVtid])))]);
      await roleSet;
      const outcomes: (CreateOutcome | undefined)[] = creates.map((c) =>
        c.entry.parentVtid !== null && !parents.has(c.entry.parentVtid) ? { kind: 'unknown_parent', parentVtid: c.entry.parentVtid } : undefined,
      );
      const toInsert = creates.map((c, index) => ({ c, index })).filter(({ index }) => outcomes[index] === undefined);
      if (toInsert.length === 0) return outcomes as CreateOutcome[];

      const { sql, params } = insertLedgerEntriesStatement(toInsert.map(({ c }) => c.entry));
      const entries = readInsertedEntries(await tx.query(sql, params), toInsert.length);
      await recordLedgerEvents(
        tx,
        entries.map((entry, k) => createdEvent(entry, toInsert[k]!.c.actor.name)),
      );
      entries.forEach((entry, k) => (outcomes[toInsert[k]!.index] = { kind: 'created', entry }));
      return outcomes as CreateOutcome[];
    });
  }
}
