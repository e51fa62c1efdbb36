import { createRoute, z } from '@hono/zod-openapi';
import { agentsRouter } from '../agents/agents.router.js';
import type { AgentsEnv } from '../agents/agents.routes.js';
import { boardRouter } from '../board/board.router.js';
import type { BoardEnv } from '../board/board.routes.js';
import { consoleRouter } from '../console/console.router.js';
import type { ConsoleEnv } from '../console/console.routes.js';
import { eventsRouter } from '../events/events.router.js';
import type { EventsEnv } from '../events/events.routes.js';
import { feedRouter } from '../feed/feed.router.js';
import type { FeedEnv } from '../feed/feed.routes.js';
import { githubRouter } from '../github/github.router.js';
import type { GithubEnv } from '../github/github.routes.js';
import { createRouter, jsonResponse } from '../http/router.js';
import { ledgerRouter } from '../ledger/ledger.router.js';
import type { LedgerEnv } from '../ledger/ledger.routes.js';
import { metricsRouter } from '../metrics/metrics.router.js';
import type { MetricsEnv } from '../metrics/metrics.routes.js';
import { timelineRouter } from '../timeline/timeline.router.js';
import type { TimelineEnv } from '../timeline/timeline.routes.js';
import { healthRouter } from './health.router.js';
import type { HealthEnv } from './health.routes.js';
import { gatewayDocument } from './openapi-document.js';

/**
 * Every route the gateway serves, composed from the features' module-level routers. It holds no
 * dependency: handlers read theirs from the request's context, which createGatewayApp (app.ts) sets.
 * So the OpenAPI document is built from this router alone (`npm run openapi`, GET /openapi.json).
 */

/** Every feature's context, as the gateway's middleware sets it on each request. */
export interface GatewayEnv {
  Variables: HealthEnv['Variables'] &
    EventsEnv['Variables'] &
    GithubEnv['Variables'] &
    FeedEnv['Variables'] &
    ConsoleEnv['Variables'] &
    AgentsEnv['Variables'] &
    LedgerEnv['Variables'] &
    TimelineEnv['Variables'] &
    MetricsEnv['Variables'] &
    BoardEnv['Variables'];
}

const openApiDocumentRoute = createRoute({
  method: 'get',
  path: '/openapi.json',
  tags: ['Operations'],
  summary: 'This API description (OpenAPI 3.1)',
  responses: { 200: jsonResponse('The OpenAPI document.', z.looseObject({ openapi: z.string(), paths: z.record(z.string(), z.unknown()) })) },
});

export const gatewayRouter = createRouter<GatewayEnv>()
  .route('/', healthRouter)
  .route('/', eventsRouter)
  .route('/', githubRouter)
  .route('/', feedRouter)
  .route('/', consoleRouter)
  .route('/', agentsRouter)
  .route('/', ledgerRouter)
  .route('/', timelineRouter)
  .route('/', metricsRouter)
  .route('/', boardRouter);

gatewayRouter.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
  type: 'http',
  scheme: 'bearer',
  bearerFormat: 'JWT',
  description:
    "A Supabase JWT (service_role or authenticated): signed by one of the project's signing keys (ES256/RS256, SUPABASE_JWKS_URL or SUPABASE_URL), or HS256 with the legacy JWT secret (SUPABASE_JWT_SECRET).",
});

// Served from the same shaping as the committed openapi/*.yml, so the two cannot differ. The routes
// are fixed at module level: the document is built on first request, not on every one.
let servedDocument: { openapi: string; paths: Record<string, unknown> } | undefined;
gatewayRouter.openapi(openApiDocumentRoute, (c) => {
  servedDocument ??= gatewayDocument(gatewayRouter) as { openapi: string; paths: Record<string, unknown> };
  return c.json(servedDocument, 200);
});
