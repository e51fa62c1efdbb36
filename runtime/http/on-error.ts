import type { HttpBindings } from '@hono/node-server';
import type { Context, Env, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { isDatabaseUnavailable } from '../db/errors.js';
import type { AppEnv } from './env.js';
import { errorBody, ApiError } from './errors.js';

function clientErrorCode(c: Context<AppEnv>, status: number): string {
  if (status === 413) return 'payload_too_large';
  if (status === 415) return 'unsupported_media_type';
  // Hono's JSON validator refuses a body that does not parse with a bare 400; our body reader has
  // already parsed it and knows (http/read-body.ts), so the answer is told by the body, not the text.
  if (status === 400 && c.get('bodyIsMalformedJson') === true) return 'invalid_json';
  if (status === 400) return 'invalid_request';
  return 'http_error';
}

/** Hono's own texts ("Unsupported Media Type") do not say what to send instead; ours do. */
function clientErrorMessage(code: string, message: string): string {
  if (code === 'invalid_json') return 'the request body is not valid JSON';
  // Every JSON-bodied route validates with zod-openapi's json validator, the only source of this 415
  // (the webhook receiver raises its own, which names both GitHub content types).
  if (code === 'unsupported_media_type') return 'the request body must be JSON: send Content-Type: application/json';
  return message || code;
}

/**
 * The client closed the connection before its body was complete (it gave up, or crashed mid-upload).
 * Reading the body then fails with Node's ECONNRESET "aborted", a code an outage of the database also
 * has: decided by the request itself, so the client's doing is never logged or counted as our outage.
 */
function clientWentAway(c: Context<AppEnv>): boolean {
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  return incoming !== undefined && !incoming.complete && (incoming.destroyed || incoming.errored !== null);
}

const BODY_INCOMPLETE = 'the connection closed before the request body was complete; nothing was stored';

/**
 * The one place errors become responses. Client errors keep their status and code; a database
 * outage is 503 with Retry-After; anything else is our bug: 500, details only in the log.
 */
export const onError: ErrorHandler<AppEnv> = (error, c) => {
  if (error instanceof ApiError) {
    c.set('errorCode', error.code);
    return c.json(errorBody(error.code, error.message), error.status, error.headers);
  }
  if (clientWentAway(c)) {
    // Nobody may be listening any more; the answer is for the log and any proxy in between.
    c.set('errorCode', 'body_incomplete');
    return c.json(errorBody('body_incomplete', BODY_INCOMPLETE), 400, { Connection: 'close' });
  }
  if (error instanceof HTTPException && error.status < 500) {
    // Raised by hono's own middleware and validators (the media-type gate, malformed JSON).
    const code = clientErrorCode(c, error.status);
    c.set('errorCode', code);
    return c.json(errorBody(code, clientErrorMessage(code, error.message)), error.status);
  }
  if (isDatabaseUnavailable(error)) {
    c.set('errorCode', 'database_unavailable');
    c.set('failure', error);
    return c.json(errorBody('database_unavailable', 'the database is unavailable; retry later'), 503, { 'Retry-After': '5' });
  }
  c.set('errorCode', 'internal');
  c.set('failure', error);
  return c.json(errorBody('internal', 'internal error'), 500);
};

/** The 404 for a path no route serves, the same in every service (the watcher and the reconciler have no request log to tell). */
export function answerNoRoute<E extends Env>(c: Context<E>): Response {
  return c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404);
}

export const onNotFound: NotFoundHandler<AppEnv> = (c: Context<AppEnv>) => {
  c.set('errorCode', 'not_found');
  return answerNoRoute(c);
};
