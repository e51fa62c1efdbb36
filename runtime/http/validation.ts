import type { Context } from 'hono';
import type { z } from 'zod';
import { describeIssues } from '../core/zod-issues.js';
import type { AppEnv } from './env.js';
import { errorBody } from './errors.js';

type HookResult = { success: true } | { success: false; error: z.ZodError };

/**
 * The default hook of every OpenAPIHono router: a request that fails its zod schema is a 400 naming
 * the fields, and the handler never runs (so nothing is written).
 */
export function validationHook<E extends AppEnv>(result: HookResult, c: Context<E>): Response | undefined {
  if (result.success) return undefined;
  c.set('errorCode', 'invalid_request');
  return c.json(errorBody('invalid_request', describeIssues(result.error.issues, { afterPath: ': ' })), 400);
}
