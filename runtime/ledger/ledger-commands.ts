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
  | { kind: 'created'; entry: LedgerEntry }
  | { kind: 'unknown_parent'; parentVtid: string }
  | { kind: 'wrong_tenant'; tenant: string };

export type UpdateOutcome =
  | { kind: 'updated'; entry: LedgerEntry }
  | { kind: 'unchanged'; entry: LedgerEntry }
  | { kind: 'not_found' }
  | { kind: 'wrong_tenant'; tenant: string }
  | { kind: 'refused'; current: LedgerStatus; requested: LedgerStatus; allowed: readonly LedgerStatus[] };

/** Within `budgetMs` (see BatchedTransactions.run for the two ways it can run out). */
export function updateTask(transactions: BatchedTransactions, actor: Actor, vtid: string, patch: PatchVtidBody, budgetMs: number): Promise<UpdateOutcome> {
  return transactions.run(actor.identity, async (tx): Promise<UpdateOutcome> => {
    const current = await lockLedgerEntry(tx, vtid);
    if (current === null) {
      // Invisible to the UPDATE policy: either missing, or another tenant's (every row is readable).
      const existing = await findLedgerEntry(tx, vtid);
      return existing ? { kind: 'wrong_tenant', tenant: existing.tenant } : { kind: 'not_found' };
    }
    const plan = planUpdate(current, patch);
    if (plan.kind === 'refused') return plan;
    if (plan.kind === 'unchanged') return { kind: 'unchanged', entry: current };
    const updated = await updateLedgerEntry(tx, vtid, plan.next);
    await recordLedgerEvent(tx, updatedEvent(current, updated, plan.changed, actor.name));
    return { kind: 'updated', entry: updated };
  }, budgetMs);
}
