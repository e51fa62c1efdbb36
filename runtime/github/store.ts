import { asRole, serviceIdentity } from '../db/as-role.js';
import { isQueryCanceled } from '../db/errors.js';
import type { Database } from '../db/types.js';
import type { NewEvent } from '../events/new-event.js';
import type { InsertOutcome } from '../events/repository.js';
import { insertDeliveryWithin } from './delivery-repository.js';

/**
 * Stores a normalized delivery within a time budget. GitHub waits 10 s and never retries by itself, so
 * a delivery the database cannot take in time must get a 503 (the operator redelivers it), and a
 * transaction we gave up on must not commit afterwards.
 */

/** The webhook is not a JWT caller: it writes as the service role, under this subject. */
const WEBHOOK_IDENTITY = serviceIdentity('github-webhook');

export class StoreTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`the database did not take the delivery within ${timeoutMs} ms`);
    this.name = 'StoreTimeoutError';
  }
}

export async function storeDelivery(db: Database, event: NewEvent, timeoutMs: number): Promise<InsertOutcome> {
  const deadline = Date.now() + timeoutMs;
  let abandoned = false;
  const work = asRole(db, WEBHOOK_IDENTITY, async (tx) => {
    // Waiting for a connection or a queued transaction may already have used the budget.
    if (abandoned) throw new StoreTimeoutError(timeoutMs);
    // The server enforces the rest of the budget too (see insertDeliveryWithin).
    const outcome = await insertDeliveryWithin(tx, event, deadline - Date.now());
    if (abandoned) throw new StoreTimeoutError(timeoutMs);
    return outcome;
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abandoned = true;
      reject(new StoreTimeoutError(timeoutMs));
    }, timeoutMs);
  });
  // After a timeout the work still settles (rolled back); its rejection is expected and already answered.
  work.catch(() => {});
  try {
    return await Promise.race([work, timeout]);
  } catch (error) {
    // Our statement_timeout hit the same budget as the timer: the same timeout, seen by the server.
    throw isQueryCanceled(error) ? new StoreTimeoutError(timeoutMs) : error;
  } finally {
    clearTimeout(timer);
  }
}
