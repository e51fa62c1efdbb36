/**
 * Which deliveries of one hook to redeliver. Pure: no I/O, no clock.
 *
 * GitHub lists every attempt of a delivery separately (the first, then each redelivery), all with
 * the delivery's GUID, which is what the gateway stores as the event's external id (X-GitHub-Delivery).
 * So the attempts are grouped by GUID and each group is judged by what OASIS holds and by its newest
 * attempt:
 *
 *   1. OASIS holds the GUID                                -> nothing to do (`held`), whatever GitHub
 *      recorded: a 503 whose commit landed anyway is held, and redelivering it would add nothing.
 *   2. The reconciler already asked for a redelivery after this newest attempt -> `pending`: GitHub
 *      has queued it and not listed it yet. The reconciler's own `delivery.redelivered` events are
 *      its memory (their external id is hook/guid/newest-attempt-id), so a second pass right after
 *      the first asks for nothing new, and two passes at once ask at most twice.
 *   3. The newest attempt is a redelivery GitHub counts as delivered (2xx) -> `redelivered`: the
 *      gateway answers 2xx only once the event is stored, so asking again could only loop.
 *   4. GitHub lists `maxAttempts` redeliveries already       -> `abandon` (reported once): a delivery
 *      the gateway refuses every time (e.g. signed with another secret) is not asked for forever.
 *   5. Otherwise: redeliver, because the newest attempt failed (status code not 2xx: `failed`) or
 *      because GitHub delivered it and OASIS has no such event (`missing`, e.g. a restored database).
 */
import { describerFor } from '../github/describe.js';
import type { EventKey } from '../events/repository.js';
import type { ListedDelivery } from './github-client.js';
import type { Hook } from './hooks.js';

/** The source of the reconciler's own events on the feed. */
export const RECONCILER_SOURCE = 'github.reconciler';

/**
 * The kind of the event that stops a pass when GitHub says wait: feed-events.ts writes it and
 * known-events.ts reads the newest one back, so the name lives here, with the source, in pure code.
 */
export const RATE_LIMITED_KIND = 'reconcile.rate_limited';

export interface DeliveryGroup {
  guid: string;
  /** Every listed attempt of this GUID, newest first. */
  attempts: ListedDelivery[];
  newest: ListedDelivery;
  /** Attempts that were redeliveries (by anyone: the reconciler, a person in the hook's settings). */
  redeliveries: number;
}

export type Verdict =
  | { action: 'skip'; why: 'held' | 'pending' | 'redelivered'; group: DeliveryGroup }
  | { action: 'redeliver'; reason: 'failed' | 'missing'; group: DeliveryGroup }
  | { action: 'abandon'; group: DeliveryGroup };

export const isSuccess = (statusCode: number): boolean => statusCode >= 200 && statusCode < 300;

/** Newest first: by delivery time, then by id (GitHub's ids grow with every attempt). */
const newestFirst = (a: ListedDelivery, b: ListedDelivery): number =>
  Date.parse(b.deliveredAt) - Date.parse(a.deliveredAt) || b.id - a.id;

/** Attempts -> one group per GUID, the group whose newest attempt is oldest first (closest to GitHub's retention end). */
export function groupByGuid(deliveries: readonly ListedDelivery[]): DeliveryGroup[] {
  const byGuid = new Map<string, ListedDelivery[]>();
  for (const delivery of deliveries) {
    const attempts = byGuid.get(delivery.guid);
    if (attempts) {
      if (!attempts.some((known) => known.id === delivery.id)) attempts.push(delivery);
    } else byGuid.set(delivery.guid, [delivery]);
  }
  const groups = [...byGuid].map(([guid, attempts]): DeliveryGroup => {
    attempts.sort(newestFirst);
    return { guid, attempts, newest: attempts[0]!, redeliveries: attempts.filter((attempt) => attempt.redelivery).length };
  });
  return groups.sort((a, b) => newestFirst(b.newest, a.newest));
}

/** Where the gateway stores a delivery: the source its event name maps to, the GUID as external id. */
export function storedKeyOf(delivery: Pick<ListedDelivery, 'event' | 'guid'>): EventKey {
  return { source: describerFor(delivery.event).source, externalId: delivery.guid };
}

/** The reconciler's record of having asked to redeliver `guid` after attempt `basisId`. */
export function redeliveryKeyOf(hook: Hook, guid: string, basisId: number): EventKey {
  return { source: RECONCILER_SOURCE, externalId: `${hook.key}/${guid}/${basisId}` };
}

/** The reconciler's record of having given up on `guid` (written once). */
export function abandonKeyOf(hook: Hook, guid: string): EventKey {
  return { source: RECONCILER_SOURCE, externalId: `${hook.key}/${guid}/abandoned` };
}

export const keyString = (key: EventKey): string => `${key.source}\u0000${key.externalId}`;

/** The event keys `decide` needs to know about: each group's stored event and the reconciler's request. */
export function keysToLookUp(hook: Hook, groups: readonly DeliveryGroup[]): EventKey[] {
  return groups.flatMap((group) => [storedKeyOf(group.newest), redeliveryKeyOf(hook, group.guid, group.newest.id)]);
}

/** One verdict per group, in the groups' order. `existing`: keyString of every key found in OASIS. */
export function decide(hook: Hook, groups: readonly DeliveryGroup[], existing: ReadonlySet<string>, maxAttempts: number): Verdict[] {
  return groups.map((group): Verdict => {
    const { newest } = group;
    if (existing.has(keyString(storedKeyOf(newest)))) return { action: 'skip', why: 'held', group };
    if (existing.has(keyString(redeliveryKeyOf(hook, group.guid, newest.id)))) return { action: 'skip', why: 'pending', group };
    if (newest.redelivery && isSuccess(newest.statusCode)) return { action: 'skip', why: 'redelivered', group };
    if (group.redeliveries >= maxAttempts) return { action: 'abandon', group };
    return { action: 'redeliver', reason: isSuccess(newest.statusCode) ? 'missing' : 'failed', group };
  });
}
