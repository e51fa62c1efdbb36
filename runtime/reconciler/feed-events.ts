/**
 * The reconciler's own events on the feed, source `github.reconciler`. Pure: values in, NewEvent out.
 *
 *   delivery.redelivered   a redelivery was requested (info); its external id is the reconciler's memory
 *   delivery.abandoned     GitHub lists RECONCILE_MAX_ATTEMPTS redeliveries and OASIS still lacks it (failure, once)
 *   hook.missing           the hook answers 404: deleted, or the credential cannot see it (failure)
 *   hook.failed            listing the hook failed otherwise: 401, 5xx, unreachable (failure)
 *   reconcile.rate_limited GitHub said wait; the pass stopped (cancelled); metadata.until is when to ask again
 *   reconcile.completed    a pass went through every hook (success, or failure when a hook could not be read)
 *
 * Like every platform event they carry no VTID (UNSET) and belong to the system tenant.
 */
import { type NewEvent } from '../events/new-event.js';
import type { EventStatus } from '../events/schema.js';
import { UNSET_VTID } from '@vitana/vtid';
import { abandonKeyOf, RATE_LIMITED_KIND, RECONCILER_SOURCE, redeliveryKeyOf, type DeliveryGroup } from './decide.js';
import { repoOf, type Hook } from './hooks.js';
import { SYSTEM_TENANT } from '../core/caller.js';

function reconcilerEvent(fields: {
  kind: string;
  status: EventStatus;
  title: string;
  externalId: string;
  hook?: Hook;
  metadata: Record<string, unknown>;
}): NewEvent {
  return {
    vtid: UNSET_VTID,
    source: RECONCILER_SOURCE,
    kind: fields.kind,
    status: fields.status,
    title: fields.title,
    repo: fields.hook ? repoOf(fields.hook) : null,
    externalId: fields.externalId,
    tenant: SYSTEM_TENANT,
    metadata: { ...(fields.hook ? { hook: fields.hook.key } : {}), ...fields.metadata },
  };
}

const describeEvent = (group: DeliveryGroup): string =>
  group.newest.action ? `${group.newest.event}.${group.newest.action}` : group.newest.event;

function deliveryFacts(group: DeliveryGroup, passId: string): Record<string, unknown> {
  const { newest } = group;
  return {
    guid: group.guid,
    event: newest.event,
    action: newest.action,
    deliveryId: newest.id,
    statusCode: newest.statusCode,
    status: newest.status,
    deliveredAt: newest.deliveredAt,
    attempts: group.attempts.length,
    redeliveries: group.redeliveries,
    passId,
  };
}

export function redeliveredEvent(hook: Hook, group: DeliveryGroup, reason: 'failed' | 'missing', passId: string): NewEvent {
  const why = reason === 'failed' ? `failed with ${group.newest.statusCode || group.newest.status}` : 'not in OASIS';
  return reconcilerEvent({
    kind: 'delivery.redelivered',
    status: 'info',
    title: `Redelivery requested: ${describeEvent(group)} ${group.guid} (${why})`,
    externalId: redeliveryKeyOf(hook, group.guid, group.newest.id).externalId,
    hook,
    metadata: { reason, ...deliveryFacts(group, passId) },
  });
}

export function abandonedEvent(hook: Hook, group: DeliveryGroup, passId: string): NewEvent {
  return reconcilerEvent({
    kind: 'delivery.abandoned',
    status: 'failure',
    title: `Delivery given up after ${group.redeliveries} redeliveries: ${describeEvent(group)} ${group.guid}`,
    externalId: abandonKeyOf(hook, group.guid).externalId,
    hook,
    metadata: deliveryFacts(group, passId),
  });
}

export function hookMissingEvent(hook: Hook, message: string, passId: string): NewEvent {
  return reconcilerEvent({
    kind: 'hook.missing',
    status: 'failure',
    title: `Hook ${hook.key} not found (deleted, or the credential cannot see it)`,
    externalId: `pass/${passId}/${hook.key}/missing`,
    hook,
    metadata: { message, passId },
  });
}

export function hookFailedEvent(hook: Hook, status: number | null, message: string, passId: string): NewEvent {
  return reconcilerEvent({
    kind: 'hook.failed',
    status: 'failure',
    title: `Hook ${hook.key} could not be read (${status ?? 'no answer'})`,
    externalId: `pass/${passId}/${hook.key}/failed`,
    hook,
    metadata: { httpStatus: status, message, passId },
  });
}

export function rateLimitedEvent(
  limit: { retryAfterSeconds: number; until: string; limit: 'primary' | 'secondary'; hook: string },
  totals: Record<string, unknown>,
  passId: string,
): NewEvent {
  return reconcilerEvent({
    kind: RATE_LIMITED_KIND,
    status: 'cancelled',
    title: `Reconcile pass stopped by GitHub's ${limit.limit} rate limit: wait ${limit.retryAfterSeconds} s`,
    externalId: `pass/${passId}/rate_limited`,
    metadata: { ...limit, passId, ...totals },
  });
}

export function completedEvent(
  summary: { from: string; to: string; hooksRead: number; hooksFailed: number; totals: Record<string, number>; hooks: unknown[] },
  passId: string,
): NewEvent {
  const { totals } = summary;
  return reconcilerEvent({
    kind: 'reconcile.completed',
    status: summary.hooksFailed === 0 ? 'success' : 'failure',
    title:
      `Reconcile pass: ${totals.redelivered ?? 0} redelivered, ${totals.held ?? 0} held, ${totals.pending ?? 0} pending` +
      (summary.hooksFailed > 0 ? `, ${summary.hooksFailed} hook(s) not read` : ''),
    externalId: `pass/${passId}/completed`,
    metadata: { passId, ...summary },
  });
}
