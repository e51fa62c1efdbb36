import type { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { ResolvedConfig } from './config.js';
import { loadConsolePages } from '../console/console.handlers.js';
import { BatchedTransactions } from '../db/batched-transactions.js';
import type { MigrationFile } from '../db/migrate.js';
import type { Database } from '../core/database.js';
import { EventWriter } from '../events/writer.js';
import { githubContext } from '../github/github.routes.js';
import type { FeedHub } from '../feed/hub.js';
import { createTokenVerifier, type AuthOptions } from '../http/auth.js';
import { JwksKeySet } from '../http/jwks.js';
import type { AppEnv, AppVariables } from '../http/env.js';
import { onError, onNotFound } from '../http/on-error.js';
import { apiHeaders } from '../http/api-headers.js';
import { BodyBudget } from '../http/body-budget.js';
import { BodyReader } from '../http/read-body.js';
import { requestLog } from '../http/request-log.js';
import { createRouter } from '../http/router.js';
import type { Logger } from '../core/log.js';
import { LedgerCreator } from '../ledger/ledger-creator.js';
import { gatewayRouter, type GatewayEnv } from './gateway.router.js';

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

/** What each feature's routes are given, built once per instance (the request-scoped variables aside). */
type FeatureContexts = Pick<GatewayEnv['Variables'], 'health' | 'events' | 'github' | 'feed' | 'console' | 'agents' | 'ledger' | 'timeline' | 'metrics' | 'board'>;

/** Hands the instance's dependencies to every request: each feature reads its own key (`c.var.events`, ...). */
function provideContexts(shared: Pick<AppVariables, 'auth' | 'bodies' | 'jsonBodyMaxBytes'>, features: FeatureContexts): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    c.set('auth', shared.auth);
    c.set('bodies', shared.bodies);
    c.set('jsonBodyMaxBytes', shared.jsonBodyMaxBytes);
    c.set('health', features.health);
    c.set('events', features.events);
    c.set('github', features.github);
    c.set('feed', features.feed);
    c.set('console', features.console);
    c.set('agents', features.agents);
    c.set('ledger', features.ledger);
    c.set('timeline', features.timeline);
    c.set('metrics', features.metrics);
    c.set('board', features.board);
    await next();
  };
}

/**
 * Composes the gateway: the instance's dependencies, made once and handed to every request through
 * its typed context (GatewayEnv), then middleware, then the routes (gateway.router.ts), which hold none.
 */
export function createGatewayApp(deps: GatewayDeps): OpenAPIHono<AppEnv> {
  const { config, db, logger } = deps;
  const auth: AuthOptions = { verifyToken: tokenVerifier(config, logger), publicRead: config.publicRead };
  const clock = deps.clock ?? (() => new Date());
  // One budget for every body this instance reads, whichever route and whoever sends it.
  const bodies = new BodyReader(new BodyBudget(config.http.bodyBudgetBytes), config.http.bodyTimeoutMs);
  // One writer per instance, so deliveries and ingest calls of one identity share batches.
  const writer = new EventWriter(db);
  // Units of work with logic between statements (ledger writes, beats) share transactions the same way.
  const transactions = new BatchedTransactions(db);
  const creator = new LedgerCreator(db);
  // Every write has the webhook's time budget (GITHUB_WEBHOOK_STORE_TIMEOUT_MS), so none outlasts it.
  const writeTimeoutMs = config.github.storeTimeoutMs;

  const app = createRouter();
  app.use('*', requestLog(logger));
  app.use('*', apiHeaders());
  app.use(
    '*',
    provideContexts(
      { auth, bodies, jsonBodyMaxBytes: config.ingestMaxBytes },
      {
        health: { db, migrationFiles: deps.migrationFiles },
        events: { db, writer, writeTimeoutMs, pageMaxBytes: config.eventsPageMaxBytes },
        github: githubContext(writer, config, clock),
        feed: { hub: deps.feedHub, db, logger, clientBuffer: config.feed.clientBuffer },
        console: loadConsolePages(logger),
        agents: { db, transactions, clock, writeTimeoutMs },
        ledger: { db, transactions, creator, clock, writeTimeoutMs },
        timeline: { db },
        metrics: { db, clock },
        board: { db, clock },
      },
    ),
  );
  app.onError(onError);
  app.notFound(onNotFound);
  app.route('/', gatewayRouter);
  return app;
}
