import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context, TypedResponse } from 'hono';
import type { JSONParsed } from 'hono/utils/types';
import type { AppEnv } from './env.js';
import { validationHook } from './validation.js';

/** Every router of the gateway: OpenAPI-aware, with the same 400 for invalid input. */
export function createRouter<E extends AppEnv = AppEnv>(): OpenAPIHono<E> {
  return new OpenAPIHono<E>({ defaultHook: validationHook });
}

export const ErrorSchema = z
  .object({
    ok: z.literal(false),
    error: z.object({ code: z.string().openapi({ example: 'invalid_request' }), message: z.string() }),
  })
  .openapi('Error');

/** A documented error response. */
export function errorResponse(description: string) {
  return { description, content: { 'application/json': { schema: ErrorSchema } } };
}

export function jsonResponse<T extends z.ZodType>(description: string, schema: T) {
  return { description, content: { 'application/json': { schema } } };
}

/**
 * A 200 JSON answer whose text the handler assembled itself (stored JSON spliced in as it is), typed
 * as the route's JSON response `T`: the text must be that shape (the contract tests check it).
 */
export function jsonText<T>(c: Context, text: string): TypedResponse<JSONParsed<T>, 200, 'json'> {
  return c.body(text, 200, { 'Content-Type': 'application/json' }) as unknown as TypedResponse<JSONParsed<T>, 200, 'json'>;
}

/** The error responses every authenticated route can give. */
export const authErrors = {
  401: errorResponse('Missing, malformed, badly signed or expired bearer token.'),
  403: errorResponse('The token is valid but its role or tenant may not do this.'),
} as const;

export const BEARER = [{ bearerAuth: [] }];

/** The refusals of every route that reads a JSON body (http/read-body.ts); server_busy is a 503 (the default answer). */
export const bodyErrors = {
  408: errorResponse('body_timeout: the body was not complete within HTTP_BODY_TIMEOUT_MS; nothing was stored.'),
  413: errorResponse('Body too large.'),
} as const;
