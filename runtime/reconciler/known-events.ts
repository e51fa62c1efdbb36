/**
 * What OASIS already holds, as far as the reconciler needs to know: which delivery GUIDs are stored
 * (and which redeliveries it asked for before), and whether a recent pass was told to wait. Reads
 * only, through the events repository's statements, as the service role under its own subject.
 */
import { batchAsRole, serviceIdentity } from '../db/as-role.js';
import type { Database } from '../db/types.js';
import { existingKeysStatement, listEventsStatement, readEvents, type EventKey } from '../events/repository.js';
import { keyString, RECONCILER_SOURCE } from './decide.js';

/** The reconciler writes and reads as the service role; `sub` names it in the database's view. */
export const RECONCILER_IDENTITY = serviceIdentity('github-reconciler');

export const RATE_LIMITED_KIND = 'reconcile.rate_limited';

/** keyString of every key in `keys` that OASIS holds an event for. */
export async function findExistingKeys(db: Database, keys: readonly EventKey[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const [result] = await batchAsRole(db, RECONCILER_IDENTITY, [existingKeysStatement(keys)]);
  return new Set(result!.rows.map((row) => keyString({ source: String(row.source), externalId: String(row.external_id) })));
}

/** Until when the newest `reconcile.rate_limited` event says GitHub must not be asked, or null. */
export async function rateLimitedUntil(db: Database): Promise<Date | null> {
  const [result] = await batchAsRole(db, RECONCILER_IDENTITY, [
    listEventsStatement({ source: RECONCILER_SOURCE, kind: RATE_LIMITED_KIND }, { limit: 1 }),
  ]);
  const until = readEvents(result!, {})[0]?.metadata.until;
  const time = typeof until === 'string' ? new Date(until) : null;
  return time && !Number.isNaN(time.getTime()) ? time : null;
}
