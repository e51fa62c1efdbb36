import type { ServerOptions } from 'node:http';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { startOfflineDetector } from '../agents/offline-detector.js';
import type { ResolvedConfig } from './config.js';
import { migrate, readMigrationFiles } from '../db/migrate.js';
import { openDatabase } from '../db/open.js';
import type { Database } from '../core/database.js';
import { FeedHub } from '../feed/hub.js';
import type { AppEnv } from '../http/env.js';
import type { Logger } from '../core/log.js';
import { projectRoot } from '../core/project-root.js';
import { serve, type Served } from '../service/serve.js';
import { createGatewayApp } from './app.js';
import { answerParserErrors } from './client-errors.js';

export interface GatewayHandle {
  url: string;
  port: number;
  db: Database;
  app: OpenAPIHono<AppEnv>;
  /** The instance's live feed (its client count is what tests of connect/drop churn look at). */
  feedHub: FeedHub;
  /**
   * Stop accepting, let in-flight requests finish, end what is left in the database, close it: all
   * within SHUTDOWN_GRACE_MS (see runtime/service/serve.ts). Called again, the same shutdown.
   */
  shutdown(): Promise<void>;
}

export interface StartOptions {
  logger: Logger;
  /** Use this database instead of opening one from the config (tests share an embedded one). */
  db?: Database;
  clock?: () => Date;
}

/** Something that runs beside the HTTP server (the feed listener, the agent monitor) and stops with it. */
interface BackgroundTask {
  /** Called at shutdown before the server closes: end long-lived streams, stop timers. */
  stop(): Promise<void>;
}

// Kept back from the grace for what follows the in-flight requests: ending their database work,
// their answers, closing the database.
const STOP_RESERVE_MS = 1_500;

function nodeServerOptions(http: ResolvedConfig['http']): ServerOptions {
  return {
    // Headers that never end, or a body that never ends, hold a connection only this long (answered
    // 408 by answerParserErrors). Node checks these timers every connectionsCheckingInterval.
    headersTimeout: http.headersTimeoutMs,
    requestTimeout: http.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(1_000, http.headersTimeoutMs),
    // Short, as Node's own default: few idle sockets held open by anyone, and a browser does not go on
    // reusing a connection a network silently dropped (a minute-long keep-alive made the Live Console
    // wait on such a connection after a stall; test/console/live-console.test.ts).
    keepAliveTimeout: http.keepAliveTimeoutMs,
  };
}

export async function startGateway(config: ResolvedConfig, options: StartOptions): Promise<GatewayHandle> {
  const { logger } = options;
  const db = options.db ?? (await openDatabase(config.database, logger));
  const migrationFiles = readMigrationFiles(projectRoot());
  if (config.migrateOnStart) {
    const result = await migrate(db, migrationFiles, logger);
    logger.info('migrations current', { applied: result.applied.length, alreadyApplied: result.skipped, database: db.kind });
  }

  // Background tasks register here; each stops at shutdown, before the server and the database close.
  const background: BackgroundTask[] = [];
  background.push(startOfflineDetector({ db, logger, clock: options.clock ?? (() => new Date()), everyMs: config.agents.offlineCheckMs }));
  const feedHub = new FeedHub({ db, logger, maxClients: config.feed.maxClients, keepaliveMs: config.feed.keepaliveMs });
  await feedHub.start();
  background.push(feedHub);
  const app = createGatewayApp({ config, db, logger, migrationFiles, feedHub, clock: options.clock });
  let served: Served;
  try {
    served = await serve(app, {
      port: config.port,
      hostname: config.host,
      serverOptions: nodeServerOptions(config.http),
      graceMs: config.shutdownGraceMs,
      reserveMs: STOP_RESERVE_MS,
      logger,
      hooks: {
        beforeClose: () => db.prepareStop(),
        drain: () => Promise.allSettled(background.map((task) => task.stop())),
        // Nothing is sent any more and the work still in flight is ended in the database, so nothing
        // whose client is about to be cut off commits later; those requests are answered 503.
        endInFlight: { action: 'ending the database work still in flight', run: (budgetMs) => db.stopWork(budgetMs) },
        release: { what: 'the database', run: () => db.close() },
      },
    });
  } catch (error) {
    // The port is taken (or not ours to bind): fail the start, and leave no timer, LISTEN connection
    // or pool behind.
    await Promise.allSettled(background.map((task) => task.stop()));
    if (!options.db) await db.close().catch(() => {});
    throw error;
  }
  answerParserErrors(served.server, served.connections, logger);
  return { url: served.url, port: served.port, db, app, feedHub, shutdown: served.shutdown };
}
