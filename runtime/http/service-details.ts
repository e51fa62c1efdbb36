import { z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { AccessTokenQuerySchema, authenticate } from './auth.js';
import type { AppEnv, AppVariables } from './env.js';
import { errorResponse, jsonResponse } from './router.js';

/**
 * Routes anyone may call that tell the service role more (the health routes): an anonymous caller,
 * or a user's token, hears only up or down; counters and rejection codes are for operators. Who is
 * calling is decided by authenticate() as on every read route that allows public reads: no token (or
 * Supabase's anon key) is anonymous, and a token that is sent is verified, so a bad one is a 401.
 */
export function identifyCaller(): MiddlewareHandler<AppEnv> {
  return authenticate('read', { publicRead: true });
}

/** Whether this answer may carry the details (the caller holds a service-role token). */
export function mayShowDetails(c: { var: Pick<AppVariables, 'caller'> }): boolean {
  return c.var.caller.kind === 'service';
}

/** What an anonymous (or non-service) caller of a health route hears: up, nothing more. */
export const BareHealthSchema = z.object({ ok: z.literal(true) }).strict().openapi('BareHealth');

/**
 * The parts of a health route's spec that the above decides: the optional token, the middleware, and
 * the 200 that is `details` for the service role and BareHealth for everyone else.
 */
export function healthRouteAccess<T extends z.ZodType>(details: T, description: string) {
  return {
    // OpenAPI: no token at all, or a bearer token (which then must be valid).
    security: [{}, { bearerAuth: [] }] as Array<Record<string, string[]>>,
    middleware: identifyCaller(),
    request: { query: z.object({ access_token: AccessTokenQuerySchema }) },
    responses: {
      200: jsonResponse(description, z.union([details, BareHealthSchema])),
      // Only a token that was sent can be refused.
      401: errorResponse('A bearer token was sent and it is malformed, badly signed or expired.'),
      403: errorResponse('A bearer token was sent and its role is not one this API serves.'),
    },
  };
}
