import type { Queryable } from '../db/types.js';
import type { NewEvent } from '../events/new-event.js';
import { insertEvent, type InsertOutcome } from '../events/repository.js';

/**
 * All SQL of the webhook receiver. Every statement is parameterized. The caller runs it inside asRole,
 * as the webhook's service identity.
 */

/**
 * Stores a delivery's event, with the database enforcing what is left of the time budget: a statement
 * stuck behind the ordering lock is cancelled there (SQLSTATE 57014), so the transaction rolls back
 * instead of committing after the gateway has answered 503. The setting ends with the transaction.
 */
export async function insertDeliveryWithin(tx: Queryable, event: NewEvent, remainingMs: number): Promise<InsertOutcome> {
  await tx.query(`select set_config('statement_timeout', $1, true)`, [String(Math.max(1, Math.ceil(remainingMs)))]);
  return insertEvent(tx, event);
}
