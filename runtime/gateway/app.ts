import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { agentRoutes } from '../agents/routes.js';
import type { ResolvedConfig } from './config.js';
import { consoleRoutes } from '../console/routes.js';
import { BatchedTransactions } from '../db/batched-transactions.js';
import type { MigrationFile } from '../db/migrate.js';
import type { Database } from '../core/database.js';
import { eventRoutes } from '../events/routes.js';
import { EventWriter } from '../events/writer.js';
import { githubRoutes } from '../github/routes.js';
import type { FeedHub } from '../feed/hub.js';
import { feedRoutes } from '../feed/routes.js';
import { createTokenVerifier, type AuthOptions } from '../http/auth.js';
import { JwksKeySet } from '../http/jwks.js';
import type { AppEnv } from '../http/env.js';
import { onError, onNotFound } from '../http/on-error.js';
import { apiHeaders } from '../http/api-headers.js';
import { BodyBudget } from '../http/body-budget.js';
import { BodyReader } from '../http/read-body.js';
import { requestLog } from '../http/request-log.js';
import { createRouter, jsonResponse } from '../http/router.js';
import type { Logger } from '../core/log.js';
import { LedgerCreator } from '../ledger/ledger-creator.js';
import { vtidRoutes } from '../ledger/routes.js';
import { timelineRoutes } from '../timeline/routes.js';
import { metricsRoutes } from '../metrics/routes.js';
import { boardRoutes } from '../board/routes.js';
import { healthRoutes } from './health-routes.js';
import { gatewayDocument } from './openapi-document.js';

export interface GatewayDeps {
  config: ResolvedConfig;
  db: Database;
  logger: Logger;
  migrationFiles: MigrationFile[];
  /** The instance's live feed (started by startGateway, which also stops it at shutdown). */
  feedHub: FeedHub;
  /** Injected for tests of time-dependent behaviour (year rollover, offline detection). */
  clock?: () => Date;
}

/** The legacy HS256 secret and/or the project's signing keys, whichever are configured. */
function tokenVerifier(config: ResolvedConfig, logger: Logger) {
  const { url, cacheMs, cooldownMs } = config.jwks;
  const signingKeys = url === undefined ? undefined : new JwksKeySet({ url, cacheMs, cooldownMs, logger });
  // Read the keys now, so the first caller does not wait for them (and an unreachable URL shows in the log at start).
  signingKeys?.warm();
  return createTokenVerifier({ legacySecret: config.secrets.jwt, signingKeys });
}

/** Composes the gateway: middleware, then one router per concern. */
export function createGatewayApp(deps: GatewayDeps): OpenAPIHono<AppEnv> {
  const auth: AuthOptions = { verifyToken: tokenVerifier(deps.config, deps.logger), publicRead: deps.config.publicRead };
  const clock = deps.clock ?? (() => new Date());
  const app = createRouter();
  app.use('*', requestLog(deps.logger));
  app.use('*', apiHeaders());
  app.onError(onError);
  app.notFound(onNotFound);

  app.route('/', healthRoutes({ db: deps.db, migrationFiles: deps.migrationFiles }));
  // One writer per instance, so deliveries and ingest calls of one identity share batches.
  const writer = new EventWriter(deps.db);
  const writeTimeoutMs = deps.config.github.storeTimeoutMs;
  // One budget for every body this instance reads, whichever route and whoever sends it.
  const bodies = new BodyReader(new BodyBudget(deps.config.http.bodyBudgetBytes), deps.config.http.bodyTimeoutMs);
  app.route('/', eventRoutes({ db: deps.db, writer, auth, ingestMaxBytes: deps.config.ingestMaxBytes, writeTimeoutMs, bodies, pageMaxBytes: deps.config.eventsPageMaxBytes }));
  app.route('/', githubRoutes({ writer, config: deps.config, auth, clock, bodies }));
  app.route('/', feedRoutes({ hub: deps.feedHub, db: deps.db, auth, logger: deps.logger, clientBuffer: deps.config.feed.clientBuffer }));
  app.route('/', consoleRoutes({ logger: deps.logger }));
  // Units of work with logic between statements (ledger writes, beats) share transactions the same way.
  const transactions = new BatchedTransactions(deps.db);
  // Every write has the webhook's time budget (GITHUB_WEBHOOK_STORE_TIMEOUT_MS), so none outlasts it.
  app.route('/', agentRoutes({ db: deps.db, transactions, auth, clock, writeTimeoutMs, bodies }));
  const creator = new LedgerCreator(deps.db);
  app.route('/', vtidRoutes({ db: deps.db, transactions, creator, auth, clock, maxBodyBytes: deps.config.ingestMaxBytes, writeTimeoutMs, bodies }));
  app.route('/', timelineRoutes({ db: deps.db, auth }));
  app.route('/', metricsRoutes({ db: deps.db, auth, clock }));
  app.route('/', boardRoutes({ db: deps.db, auth, clock }));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      "A Supabase JWT (service_role or authenticated): signed by one of the project's signing keys (ES256/RS256, SUPABASE_JWKS_URL or SUPABASE_URL), or HS256 with the legacy JWT secret (SUPABASE_JWT_SECRET).",
  });
  // Served from the same shaping as the committed openapi/*.yml, so the two cannot differ.
  let document: { openapi: string; paths: Record<string, unknown> } | undefined;
  app.openapi(
    createRoute({
      method: 'get',
      path: '/openapi.json',
      tags: ['Operations'],
      summary: 'This API description (OpenAPI 3.1)',
      responses: { 200: jsonResponse('The OpenAPI document.', z.looseObject({ openapi: z.string(), paths: z.record(z.string(), z.unknown()) })) },
    }),
    (c) => {
      // The routes are fixed once composed: build the document on first request, not on every one.
      document ??= gatewayDocument(app) as { openapi: string; paths: Record<string, unknown> };
      return c.json(document, 200);
    },
  );
  return app;
}
