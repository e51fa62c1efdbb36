import type { RouteHandler } from '@hono/zod-openapi';
import { serviceIdentity } from '../core/caller.js';
import { UNSET_VTID } from '@vitana/vtid';
import { apiError } from '../http/errors.js';
import { mayShowDetails } from '../http/service-details.js';
import { writeUnavailable } from '../http/write-errors.js';
import { decodeWebhookBody } from './body.js';
import type { GithubEnv, health, receive } from './github.routes.js';
import { normalizeDelivery } from './normalize.js';

/** The webhook is not a JWT caller: it writes as the service role, under this subject. */
const WEBHOOK_IDENTITY = serviceIdentity('github-webhook');

export const receiveDelivery: RouteHandler<typeof receive, GithubEnv> = async (c) => {
  const { writer, storeTimeoutMs, stats } = c.var.github;
  const headers = c.req.valid('header');
  const decoded = decodeWebhookBody(c.get('githubBody'), c.get('githubMediaType'));
  if (decoded.outcome === 'refused') throw apiError(decoded.status, decoded.code, decoded.message);
  const deliveryId = headers['x-github-delivery'];
  const event = normalizeDelivery({
    event: headers['x-github-event'],
    deliveryId,
    hookId: headers['x-github-hook-id'] ?? null,
    targetType: headers['x-github-hook-installation-target-type'] ?? null,
    targetId: headers['x-github-hook-installation-target-id'] ?? null,
    payload: decoded.payload,
  });
  if (event.vtid !== UNSET_VTID) c.set('vtid', event.vtid);
  // The verified body is stored as it came when jsonb takes it so (no second serialization).
  if (decoded.json !== null) event.payloadJson = decoded.json;

  let outcome;
  try {
    // GitHub waits 10 s and never retries by itself: past the budget the answer is a 503 that the
    // operator can act on (redeliver), and a write given up on does not commit afterwards.
    outcome = await writer.write(WEBHOOK_IDENTITY, event, storeTimeoutMs, c.get('githubBody').byteLength);
  } catch (error) {
    // The one thing an operator needs to recover: which delivery to redeliver.
    c.get('logger').warn('github delivery not stored; redeliver it from the hook settings', {
      deliveryId,
      event: event.kind,
      hookId: headers['x-github-hook-id'],
      reason: error instanceof Error ? error.message : String(error),
    });
    const unavailable = writeUnavailable(error, 'the delivery');
    if (!unavailable) throw error;
    if (unavailable.code === 'database_unavailable') c.set('failure', error);
    throw unavailable;
  }
  // The service role sees every row, so a clash is always with a row it can read.
  if (outcome.outcome === 'taken') throw new Error(`delivery ${deliveryId} clashes with an event the service role cannot see`);
  const duplicate = outcome.outcome === 'duplicate';
  stats.accepted(duplicate);
  return c.json({ ok: true as const, id: outcome.id, duplicate, vtid: event.vtid, kind: event.kind, status: event.status }, 200);
};

export const webhookHealth: RouteHandler<typeof health, GithubEnv> = (c) => {
  if (!mayShowDetails(c)) return c.json({ ok: true as const }, 200);
  const { secretConfigured, previousSecretConfigured, stats } = c.var.github;
  return c.json({ ok: true as const, secretConfigured, previousSecretConfigured, ...stats.snapshot() }, 200);
};
