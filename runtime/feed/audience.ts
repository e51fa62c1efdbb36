import type { EventStatus, OasisEvent } from '../events/schema.js';
import type { Caller } from '../core/caller.js';

/** Pure: which live events one feed client receives. */

export interface FeedFilter {
  vtid?: string;
  source?: string;
  kind?: string;
  status?: EventStatus;
}

/** The query filters of the feed, applied to an event read by the hub (the replay applies them in SQL). */
export function matchesFilter(event: OasisEvent, filter: FeedFilter): boolean {
  return (
    (filter.vtid === undefined || event.vtid === filter.vtid) &&
    (filter.source === undefined || event.source === filter.source) &&
    (filter.kind === undefined || event.kind === filter.kind) &&
    (filter.status === undefined || event.status === filter.status)
  );
}

/**
 * Tenancy for the live path. The hub reads each new row once (as service_role) and fans it out, so
 * the row-level-security policy cannot run per client here; this mirrors it exactly:
 * `oasis_events_authenticated_select` lets an authenticated caller see only rows of its own tenant
 * (none without a tenant); service_role and public reads (served as service_role) see every row.
 * The replay path reads through asRole, so the policy itself applies there, and a test holds the two
 * paths to the same answer.
 */
export function visibleTo(caller: Caller, event: OasisEvent): boolean {
  if (caller.kind === 'user') return caller.tenant !== null && event.tenant === caller.tenant;
  return true;
}
