import type { Context } from 'hono';
import type { z } from 'zod';
import type { AppEnv } from './env.js';
import { errorBody } from './errors.js';

/** "status: Invalid option…; ts: Invalid ISO datetime": every failing field, named. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

type HookResult = { success: true } | { success: false; error: z.ZodError };

/**
 * The default hook of every OpenAPIHono router: a request that fails its zod schema is a 400 naming
 * the fields, and the handler never runs (so nothing is written).
 */
export function validationHook<E extends AppEnv>(result: HookResult, c: Context<E>): Response | undefined {
  if (result.success) return undefined;
  c.set('errorCode', 'invalid_request');
  return c.json(errorBody('invalid_request', describeIssues(result.error)), 400);
}
