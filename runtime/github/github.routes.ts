import { createRoute } from '@hono/zod-openapi';
import type { EventWriter } from '../events/writer.js';
import type { AppVariables } from '../http/env.js';
import { errorResponse, jsonResponse } from '../http/router.js';
import { healthRouteAccess } from '../http/service-details.js';
import { MAX_PAYLOAD_DEPTH, type WebhookMediaType } from './body.js';
import { countRejections, requireWebhookMediaType, verifySignedBody } from './delivery-checks.js';
import { WEBHOOK_BODY_DOC, WebhookAckSchema, WebhookHeadersSchema, WebhookHealthSchema } from './schema.js';
import { createWebhookStats, type WebhookStats } from './stats.js';

/**
 * POST /webhooks/github: content type (415) -> a well-formed signature header (401, before a byte of
 * the body is read) -> the body, read under its cap (413), the process's body budget (503) and the read
 * timeout (408), HMAC computed as it streams in -> signature (401) -> headers (400) -> nesting depth
 * (422) -> parse (400) -> normalize (pure) -> store within the time budget (503) -> 200.
 * Every refusal writes nothing. GET /webhooks/health: up for anyone; the counters of this instance for
 * the service role.
 */

/** What the webhook routes are given by the composition (`c.var.github`). */
export interface GithubContext {
  /** The events' group-commit writer (shared with ingest). */
  writer: EventWriter;
  /** The secrets a signature may verify with: the current one and, during a rotation, the previous. */
  secrets: readonly string[];
  secretConfigured: boolean;
  previousSecretConfigured: boolean;
  /** The cap of a delivery's body. */
  maxBytes: number;
  /** The time budget of storing one delivery. */
  storeTimeoutMs: number;
  /** This instance's counters (GET /webhooks/health). */
  stats: WebhookStats;
}

/**
 * The settings the webhook route reads. Declared by the feature, not taken from the gateway's config
 * type, so the feature does not import the composition root; the gateway's config has this shape.
 */
export interface WebhookSettings {
  secrets: { githubWebhook?: string; githubWebhookPrevious?: string };
  github: { maxBytes: number; storeTimeoutMs: number };
}

/** The webhook's context for one gateway instance: its secrets, limits and fresh counters. */
export function githubContext(writer: EventWriter, settings: WebhookSettings, clock?: () => Date): GithubContext {
  const { githubWebhook, githubWebhookPrevious } = settings.secrets;
  return {
    writer,
    secrets: [githubWebhook, githubWebhookPrevious].filter((s): s is string => typeof s === 'string' && s.length > 0),
    secretConfigured: Boolean(githubWebhook),
    previousSecretConfigured: Boolean(githubWebhookPrevious),
    maxBytes: settings.github.maxBytes,
    storeTimeoutMs: settings.github.storeTimeoutMs,
    stats: createWebhookStats(clock),
  };
}

/** The webhook context, and what its checks hand the handler: the verified raw body and how to decode it. */
export interface GithubEnv {
  Variables: AppVariables & { github: GithubContext; githubBody: Uint8Array; githubMediaType: WebhookMediaType };
}

export const receive = createRoute({
  method: 'post',
  path: '/webhooks/github',
  tags: ['GitHub'],
  summary: 'Receive a GitHub webhook delivery',
  description:
    'Signed with the webhook secret (X-Hub-Signature-256), verified over the raw body before parsing. ' +
    'Each delivery becomes one OASIS event; a redelivery (same X-GitHub-Delivery) adds nothing and answers duplicate: true.',
  middleware: [countRejections(), requireWebhookMediaType(), verifySignedBody()] as const,
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

export const health = createRoute({
  method: 'get',
  path: '/webhooks/health',
  tags: ['GitHub'],
  summary: 'Webhook receiver health: up for anyone; secrets configured, last accepted delivery and counters for the service role',
  description:
    'Without a service-role token the answer is only `{"ok": true}`: the counters and rejection codes tell an attacker what is refused and why. ' +
    'Counts are per gateway instance and reset when it restarts.',
  ...healthRouteAccess(WebhookHealthSchema, 'The receiver state (service role), or only that it is up.'),
});
