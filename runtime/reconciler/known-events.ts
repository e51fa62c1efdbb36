/**
 * What OASIS already holds, as far as the reconciler needs to know: which delivery GUIDs are stored
 * (and which redeliveries it asked for before), and whether a recent pass was told to wait. Reads
 * only, through the events repository's statements, as the service role under its own subject.
 */
import { batchAsRole } from '../db/as-role.js';
import type { Database } from '../core/database.js';
import { existingKeysStatement, listEventsStatement, readEvents, type EventKey } from '../events/repository.js';
import { keyString, RATE_LIMITED_KIND, RECONCILER_SOURCE } from './decide.js';
import { serviceIdentity } from '../core/caller.js';

/** The reconciler writes and reads as the service role; `sub` names it in the database's view. */
export const RECONCILER_IDENTITY = serviceIdentity('github-reconciler');

/** keyString of every key in `keys` that OASIS holds an event for. */
export async function findExistingKeys(db: Database, keys: readonly EventKey[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const [result] = await batchAsRole(db, RECONCILER_IDENTITY, [existingKeysStatement(keys)]);
  return new Set(result!.rows.map((row) => keyString({ source: String(row.source), externalId: String(row.external_id) })));
}

export interface RecordedRateLimit {
  /** GitHub must not be asked before this. */
  until: Date;
  limit: 'primary' | 'secondary';
  hook: string | null;
}

/** What the newest `reconcile.rate_limited` event says, or null when there is none (or it is unreadable). */
export async function latestRateLimit(db: Database): Promise<RecordedRateLimit | null> {
  const [result] = await batchAsRole(db, RECONCILER_IDENTITY, [
    listEventsStatement({ source: RECONCILER_SOURCE, kind: RATE_LIMITED_KIND }, { limit: 1 }),
  ]);
  const metadata = readEvents(result!, {})[0]?.metadata;
  const until = typeof metadata?.until === 'string' ? new Date(metadata.until) : null;
  if (!metadata || !until || Number.isNaN(until.getTime())) return null;
  return { until, limit: metadata.limit === 'secondary' ? 'secondary' : 'primary', hook: typeof metadata.hook === 'string' ? metadata.hook : null };
}
