import type { BatchedTransactions } from '../db/batched-transactions.js';
import { isPermissionDenied } from '../db/errors.js';
import type { DbIdentity } from '../db/types.js';
import { createdEvent, updatedEvent } from './ledger-events.js';
import {
  findLedgerEntry,
  insertLedgerEntry,
  ledgerEntryExists,
  lockLedgerEntry,
  recordLedgerEvent,
  updateLedgerEntry,
  type NewLedgerEntry,
} from './ledger-repository.js';
import type { LedgerEntry, PatchVtidBody } from './schema.js';
import type { LedgerStatus } from './transitions.js';
import { planUpdate } from './update-plan.js';

/**
 * The ledger's two writes, each one unit of work as the caller: the row change and its OASIS event
 * commit together or not at all. Concurrent writes of one caller share a transaction (group commit,
 * see BatchedTransactions), so the year's counter row is locked once per batch, not once per task.
 * Outcomes are plain data; the routes turn them into HTTP answers.
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

export async function createTask(transactions: BatchedTransactions, actor: Actor, entry: NewLedgerEntry): Promise<CreateOutcome> {
  try {
    return await transactions.run(actor.identity, async (tx): Promise<CreateOutcome> => {
      // Rows are never deleted, so a parent seen here still exists at commit (the foreign key agrees).
      if (entry.parentVtid !== null && !(await ledgerEntryExists(tx, entry.parentVtid))) {
        return { kind: 'unknown_parent', parentVtid: entry.parentVtid };
      }
      const created = await insertLedgerEntry(tx, entry);
      await recordLedgerEvent(tx, createdEvent(created, actor.name));
      return { kind: 'created', entry: created };
    });
  } catch (error) {
    // The insert policy refused the tenant; the rollback also undid the counter bump (and only this
    // unit failed: the other tasks of its batch were stored without it, so no number is skipped).
    if (isPermissionDenied(error)) return { kind: 'wrong_tenant', tenant: entry.tenant };
    throw error;
  }
}

export type UpdateOutcome =
  | { kind: 'updated'; entry: LedgerEntry }
  | { kind: 'unchanged'; entry: LedgerEntry }
  | { kind: 'not_found' }
  | { kind: 'wrong_tenant'; tenant: string }
  | { kind: 'refused'; current: LedgerStatus; requested: LedgerStatus; allowed: readonly LedgerStatus[] };

export function updateTask(transactions: BatchedTransactions, actor: Actor, vtid: string, patch: PatchVtidBody): Promise<UpdateOutcome> {
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
  });
}
