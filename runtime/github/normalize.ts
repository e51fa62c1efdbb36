import { truncate } from '../core/text.js';
import { EVENT_TITLE_MAX_LENGTH, LAYER_MAX_LENGTH } from '../events/bounds.js';
import type { NewEvent } from '../events/new-event.js';
import { extractVtid, UNSET_VTID } from '@vitana/vtid';
import { describerFor } from './describe.js';
import type { JsonObject } from '../core/object.js';
import { asArray, at, numberAt, stringAt } from './payload.js';
import { SYSTEM_TENANT } from '../core/caller.js';

/**
 * A verified GitHub delivery -> the OASIS event to store. Pure: no I/O, no clock. The event-specific
 * fields come from the describer table (describe.ts), the status from the status table (status.ts);
 * this module adds what every delivery shares: VTID, tenant, ids, repo, actor.
 */

export interface GithubDelivery {
  /** X-GitHub-Event. */
  event: string;
  /** X-GitHub-Delivery: the same GUID on a redelivery, hence the idempotency key. */
  deliveryId: string;
  /** X-GitHub-Hook-ID. */
  hookId?: string | null;
  /** X-GitHub-Hook-Installation-Target-Type / -ID (repository, organization, integration). */
  targetType?: string | null;
  targetId?: string | null;
  payload: JsonObject;
}

/** Deliveries are not a tenant's own writes: they belong to the platform, like other service events. */
export const WEBHOOK_TENANT = SYSTEM_TENANT;

/**
 * A repository's full name as GitHub allows it: an owner of 1-39 letters, digits and hyphens, a name of
 * 1-100 of letters, digits, `.`, `_`, `-`. Anything else in `repository.full_name` is not a repository
 * we can key on (a crafted delivery once carried 5 KB there, more than an index row may hold): the
 * event is stored without `repo`, the payload keeps what was sent.
 */
const GITHUB_FULL_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/;

function repositoryOf(payload: JsonObject): string | null {
  const fullName = stringAt(payload, 'repository', 'full_name');
  return fullName !== null && GITHUB_FULL_NAME.test(fullName) ? fullName : null;
}

function compact(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== null && value !== undefined));
}

// A label naming a longer layer or module than an event can store is not such a label (as an absurdly
// long VTID-shaped token is not a VTID): the delivery is stored without it.
const LABEL = new RegExp(`^(layer|module)\\s*:\\s*([A-Za-z][A-Za-z0-9_-]{0,${LAYER_MAX_LENGTH - 1}})$`, 'i');

/**
 * The event may say which layer and module a task belongs to: a pull request or issue label
 * `layer:DEV` / `module:CICDL` (case-insensitive, stored upper-case) wins over the parts of a family id.
 */
export function labelOverrides(payload: JsonObject): { layer?: string; module?: string } {
  const labels = [...asArray(at(payload, 'pull_request', 'labels')), ...asArray(at(payload, 'issue', 'labels'))];
  const found: { layer?: string; module?: string } = {};
  for (const label of labels) {
    const match = LABEL.exec(stringAt(label, 'name')?.trim() ?? '');
    if (!match) continue;
    const key = match[1]!.toLowerCase() as 'layer' | 'module';
    found[key] ??= match[2]!.toUpperCase();
  }
  return found;
}

export function normalizeDelivery(delivery: GithubDelivery): NewEvent {
  const { payload } = delivery;
  const { source, describe } = describerFor(delivery.event);
  const action = stringAt(payload, 'action');
  const described = describe(payload, action);
  const vtid = extractVtid(described.vtidSources);
  const labels = labelOverrides(payload);
  return {
    vtid: vtid?.vtid ?? UNSET_VTID,
    source,
    kind: delivery.event,
    status: described.status,
    layer: labels.layer ?? vtid?.layer ?? null,
    module: labels.module ?? vtid?.module ?? null,
    // A delivery's title has the ingest API's bound.
    title: described.title === null ? null : truncate(described.title, EVENT_TITLE_MAX_LENGTH),
    repo: repositoryOf(payload),
    ref: described.ref,
    sha: described.sha,
    actor: described.actor !== undefined ? described.actor : stringAt(payload, 'sender', 'login'),
    url: described.url,
    externalId: delivery.deliveryId,
    tenant: WEBHOOK_TENANT,
    metadata: compact({
      deliveryId: delivery.deliveryId,
      event: delivery.event,
      action,
      hookId: delivery.hookId ?? null,
      targetType: delivery.targetType ?? null,
      targetId: delivery.targetId ?? null,
      installationId: numberAt(payload, 'installation', 'id'),
      ...described.metadata,
    }),
    payload,
  };
}
