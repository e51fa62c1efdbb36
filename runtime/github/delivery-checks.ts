import type { MiddlewareHandler } from 'hono';
import { apiError } from '../http/errors.js';
import type { GithubEnv } from './github.routes.js';
import { webhookMediaType } from './body.js';
import { parseSignatureHeader, SignatureCheck } from './signature.js';

/**
 * The checks a delivery passes before its handler runs, in order: counted (every refusal is),
 * a content type GitHub sends (415), a well-formed signature header (401, before a byte of the body
 * is read), the body read under its cap, the budget and the read timeout, HMAC over it as it streams.
 * Settings come from `c.var.github`, so the route spec names the checks and closes over nothing.
 */

export function countRejections(): MiddlewareHandler<GithubEnv> {
  return async (c, next) => {
    await next();
    if (c.res.status >= 400) c.var.github.stats.rejected(c.get('errorCode') ?? `http_${c.res.status}`);
  };
}

export function requireWebhookMediaType(): MiddlewareHandler<GithubEnv> {
  return async (c, next) => {
    const mediaType = webhookMediaType(c.req.header('content-type'));
    // The body is left unread; the server discards it as it arrives (see http/read-body.ts).
    if (mediaType === null) throw apiError(415, 'unsupported_media_type', 'a delivery must be application/json or application/x-www-form-urlencoded');
    c.set('githubMediaType', mediaType);
    await next();
  };
}

export function verifySignedBody(): MiddlewareHandler<GithubEnv> {
  return async (c, next) => {
    const { secrets, maxBytes } = c.var.github;
    if (secrets.length === 0) throw apiError(503, 'webhook_not_configured', 'no GitHub webhook secret is configured');
    // Without a well-formed signature the delivery can never verify: refused before it costs memory.
    const header = c.req.header('x-hub-signature-256');
    if (header === undefined) throw apiError(401, 'signature_missing', 'the X-Hub-Signature-256 header is required');
    const received = parseSignatureHeader(header);
    if (!received) throw apiError(401, 'signature_invalid', 'the X-Hub-Signature-256 header is not sha256= followed by 64 hex digits');
    const check = new SignatureCheck(secrets);
    await c.var.bodies.withBody(c, { maxBytes, what: 'the delivery', onChunk: (chunk) => check.update(chunk) }, async (body) => {
      if (!check.matches(received)) throw apiError(401, 'signature_invalid', 'the X-Hub-Signature-256 signature does not match the body');
      c.set('githubBody', body);
      await next();
    });
  };
}
