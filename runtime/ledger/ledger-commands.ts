import type { BatchedTransactions } from '../db/batched-transactions.js';
import type { DbIdentity } from '../core/database.js';
import { updatedEvent } from './ledger-events.js';
import {
  findLedgerEntry,
  lockLedgerEntry,
  recordLedgerEvent,
  updateLedgerEntry,
} from './ledger-repository.js';
import type { LedgerEntry, PatchVtidBody } from './schema.js';
import type { LedgerStatus } from './transitions.js';
import { planUpdate } from './update-plan.js';

/**
 * The ledger's writes as the caller: the row change and its OASIS event commit together or not at
 * all. Creates are batched by LedgerCreator (ledger-creator.ts); an update is one unit of work in a
 * shared transaction (BatchedTransactions). Outcomes are plain data; the routes turn them into HTTP
 * answers.
 */

export interface Actor {
  identity: DbIdentity;
  /** Who did it, for the event (never a token). */
  name: string;
}

export type CreateOutcome =
  | { outcome: 'created'; entry: LedgerEntry }
  | { outcome: 'unknown_parent'; parentVtid: string }
  | { outcome: 'wrong_tenant'; tenant: string };

export type UpdateOutcome =
  | { outcome: 'updated'; entry: LedgerEntry }
  | { outcome: 'unchanged'; entry: LedgerEntry }
  | { outcome: 'not_found' }
  | { outcome: 'wrong_tenant'; tenant: string }
  | { outcome: 'refused'; current: LedgerStatus; requested: LedgerStatus; allowed: readonly LedgerStatus[] };

/** Within `budgetMs` (see BatchedTransactions.run for the two ways it can run out). */
export function updateTask(transactions: BatchedTransactions, actor: Actor, vtid: string, patch: PatchVtidBody, budgetMs: number): Promise<UpdateOutcome> {
  return transactions.run(actor.identity, async (tx): Promise<UpdateOutcome> => {
    const current = await lockLedgerEntry(tx, vtid);
    if (current === null) {
      // Invisible to the UPDATE policy: either missing, or another tenant's (every row is readable).
      const existing = await findLedgerEntry(tx, vtid);
      return existing ? { outcome: 'wrong_tenant', tenant: existing.tenant } : { outcome: 'not_found' };
    }
    const plan = planUpdate(current, patch);
    if (plan.outcome === 'refused') return plan;
    if (plan.outcome === 'unchanged') return { outcome: 'unchanged', entry: current };
    const updated = await updateLedgerEntry(tx, vtid, plan.next);
    await recordLedgerEvent(tx, updatedEvent(current, updated, plan.changed, actor.name));
    return { outcome: 'updated', entry: updated };
  }, budgetMs);
}
