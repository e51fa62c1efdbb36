import { createRoute } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { GatewayConfig } from '../gateway/config.js';
import type { EventWriter } from '../events/writer.js';
import type { AuthOptions } from '../http/auth.js';
import type { AppEnv } from '../http/env.js';
import { apiError, ApiError } from '../http/errors.js';
import type { BodyReader } from '../http/read-body.js';
import { createRouter, errorResponse, jsonResponse } from '../http/router.js';
import { healthRouteAccess, mayShowDetails } from '../http/service-details.js';
import { writeUnavailable } from '../http/write-errors.js';
import { UNSET_VTID } from '../core/vtid.js';
import { decodeWebhookBody, MAX_PAYLOAD_DEPTH, webhookMediaType, type WebhookMediaType } from './body.js';
import { normalizeDelivery } from './normalize.js';
import { WEBHOOK_BODY_DOC, WebhookAckSchema, WebhookHeadersSchema, WebhookHealthSchema } from './schema.js';
import { parseSignatureHeader, SignatureCheck } from './signature.js';
import { createWebhookStats, type WebhookStats } from './stats.js';
import { serviceIdentity } from '../core/caller.js';

/**
 * POST /webhooks/github: content type (415) -> a well-formed signature header (401, before a byte of
 * the body is read) -> the body, read under its cap (413), the process's body budget (503) and the read
 * timeout (408), HMAC computed as it streams in -> signature (401) -> headers (400) -> nesting depth
 * (422) -> parse (400) -> normalize (pure) -> store within the time budget (503) -> 200.
 * Every refusal writes nothing. GET /webhooks/health: up for anyone; the counters of this instance for
 * the service role.
 */

export interface GithubRoutesDeps {
  /** The events' group-commit writer (shared with ingest). */
  writer: EventWriter;
  config: Pick<GatewayConfig, 'secrets' | 'github'>;
  /** Who may read the health details (the service role). */
  auth: AuthOptions;
  /** Reads bodies under the process-wide budget and read timeout (shared by every write route). */
  bodies: BodyReader;
  clock?: () => Date;
}

/** What the middleware hands the handler: the verified raw body and how to decode it. */
interface SignedBodyEnv {
  Variables: { githubBody: Uint8Array; githubMediaType: WebhookMediaType };
}

/** The webhook is not a JWT caller: it writes as the service role, under this subject. */
const WEBHOOK_IDENTITY = serviceIdentity('github-webhook');

function countRejections(stats: WebhookStats): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    if (c.res.status >= 400) stats.rejected(c.get('errorCode') ?? `http_${c.res.status}`);
  };
}

function requireWebhookMediaType(): MiddlewareHandler<SignedBodyEnv> {
  return async (c, next) => {
    const mediaType = webhookMediaType(c.req.header('content-type'));
    // The body is left unread; the server discards it as it arrives (see http/read-body.ts).
    if (mediaType === null) throw apiError(415, 'unsupported_media_type', 'a delivery must be application/json or application/x-www-form-urlencoded');
    c.set('githubMediaType', mediaType);
    await next();
  };
}

function verifySignedBody(secrets: readonly string[], bodies: BodyReader, maxBytes: number): MiddlewareHandler<SignedBodyEnv> {
  return async (c, next) => {
    if (secrets.length === 0) throw apiError(503, 'webhook_not_configured', 'no GitHub webhook secret is configured');
    // Without a well-formed signature the delivery can never verify: refused before it costs memory.
    const header = c.req.header('x-hub-signature-256');
    if (header === undefined) throw apiError(401, 'signature_missing', 'the X-Hub-Signature-256 header is required');
    const received = parseSignatureHeader(header);
    if (!received) throw apiError(401, 'signature_invalid', 'the X-Hub-Signature-256 header is not sha256= followed by 64 hex digits');
    const check = new SignatureCheck(secrets);
    await bodies.withBody(c, { maxBytes, what: 'the delivery', onChunk: (chunk) => check.update(chunk) }, async (body) => {
      if (!check.matches(received)) throw apiError(401, 'signature_invalid', 'the X-Hub-Signature-256 signature does not match the body');
      c.set('githubBody', body);
      await next();
    });
  };
}

export function githubRoutes(deps: GithubRoutesDeps) {
  const router = createRouter();
  const stats = createWebhookStats(deps.clock);
  const { githubWebhook, githubWebhookPrevious } = deps.config.secrets;
  const secrets = [githubWebhook, githubWebhookPrevious].filter((s): s is string => typeof s === 'string' && s.length > 0);
  const { maxBytes, storeTimeoutMs } = deps.config.github;

  const receive = createRoute({
    method: 'post',
    path: '/webhooks/github',
    tags: ['GitHub'],
    summary: 'Receive a GitHub webhook delivery',
    description:
      'Signed with the webhook secret (X-Hub-Signature-256), verified over the raw body before parsing. ' +
      'Each delivery becomes one OASIS event; a redelivery (same X-GitHub-Delivery) adds nothing and answers duplicate: true.',
    middleware: [
      countRejections(stats),
      requireWebhookMediaType(),
      verifySignedBody(secrets, deps.bodies, maxBytes),
    ] as const,
    request: { headers: WebhookHeadersSchema, body: { required: true, content: WEBHOOK_BODY_DOC } },
    responses: {
      200: jsonResponse('Stored (or already stored: duplicate is true).', WebhookAckSchema),
      400: errorResponse('A required header is missing, or the payload is not a JSON object.'),
      401: errorResponse('The signature is missing, malformed or does not match the body (a missing or malformed header is refused before the body is read).'),
      408: errorResponse('body_timeout: the body was not complete within HTTP_BODY_TIMEOUT_MS; nothing was stored.'),
      413: errorResponse('The body exceeds the configured cap (GitHub sends at most 25 MB).'),
      415: errorResponse('Neither application/json nor application/x-www-form-urlencoded.'),
      422: errorResponse(`payload_too_deep: the payload nests deeper than ${MAX_PAYLOAD_DEPTH} levels; nothing was stored (a redelivery gets the same answer).`),
      503: errorResponse(
        'server_busy: the instance holds as many request bodies as HTTP_BODY_BUDGET_BYTES allows; nothing was read, redeliver it. store_timeout / database_unavailable: nothing was stored, redeliver it from GitHub. store_outcome_unknown: the commit was not confirmed in time and may have landed; a redelivery is stored at most once.',
      ),
    },
  });

  router.openapi(receive, async (c) => {
    const headers = c.req.valid('header');
    const decoded = decodeWebhookBody(c.get('githubBody'), c.get('githubMediaType'));
    if (!decoded.ok) throw apiError(decoded.status, decoded.code, decoded.message);
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
      outcome = await deps.writer.write(WEBHOOK_IDENTITY, event, storeTimeoutMs, c.get('githubBody').byteLength);
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
    if (outcome.id === null) throw new Error(`delivery ${deliveryId} clashes with an event the service role cannot see`);
    stats.accepted(outcome.duplicate);
    return c.json({ ok: true as const, id: outcome.id, duplicate: outcome.duplicate, vtid: event.vtid, kind: event.kind, status: event.status }, 200);
  });

  router.openapi(
    createRoute({
      method: 'get',
      path: '/webhooks/health',
      tags: ['GitHub'],
      summary: 'Webhook receiver health: up for anyone; secrets configured, last accepted delivery and counters for the service role',
      description:
        'Without a service-role token the answer is only `{"ok": true}`: the counters and rejection codes tell an attacker what is refused and why. ' +
        'Counts are per gateway instance and reset when it restarts.',
      ...healthRouteAccess(deps.auth, WebhookHealthSchema, 'The receiver state (service role), or only that it is up.'),
    }),
    (c) => {
      if (!mayShowDetails(c)) return c.json({ ok: true as const }, 200);
      return c.json(
        {
          ok: true as const,
          secretConfigured: Boolean(githubWebhook),
          previousSecretConfigured: Boolean(githubWebhookPrevious),
          ...stats.snapshot(),
        },
        200,
      );
    },
  );

  return router;
}
