import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from './env.js';
import { validationHook } from './validation.js';

/** Every router of the gateway: OpenAPI-aware, with the same 400 for invalid input. */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
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

/** The error responses every authenticated route can give. */
export const authErrors = {
  401: errorResponse('Missing, malformed, badly signed or expired bearer token.'),
  403: errorResponse('The token is valid but its role or tenant may not do this.'),
} as const;

export const BEARER = [{ bearerAuth: [] }];
