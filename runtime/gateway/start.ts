import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
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
import { createGatewayApp } from './app.js';
import { answerParserErrors } from './client-errors.js';
import { trackConnections } from './connections.js';
import { stopWithinGrace, type BackgroundTask } from './stop.js';

export interface GatewayHandle {
  url: string;
  port: number;
  db: Database;
  app: OpenAPIHono<AppEnv>;
  /** The instance's live feed (its client count is what tests of connect/drop churn look at). */
  feedHub: FeedHub;
  /**
   * Stop accepting, let in-flight requests finish, end what is left in the database, close it: all
   * within SHUTDOWN_GRACE_MS (see stopWithinGrace). Called again, the same shutdown.
   */
  shutdown(): Promise<void>;
}

export interface StartOptions {
  logger: Logger;
  /** Use this database instead of opening one from the config (tests share an embedded one). */
  db?: Database;
  clock?: () => Date;
}

function listen(app: OpenAPIHono<AppEnv>, config: ResolvedConfig): Promise<Server> {
  return new Promise<Server>((resolve, reject) => {
    const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs } = config.http;
    const serverOptions = {
      // Headers that never end, or a body that never ends, hold a connection only this long (answered
      // 408 by answerParserErrors). Node checks these timers every connectionsCheckingInterval.
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, headersTimeoutMs),
      // Short, as Node's own default: few idle sockets held open by anyone, and a browser does not go on
      // reusing a connection a network silently dropped (a minute-long keep-alive made the Live Console
      // wait on such a connection after a stall; test/console/live-console.test.ts).
      keepAliveTimeout: keepAliveTimeoutMs,
    };
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host, serverOptions }, () => {
      s.off('error', reject);
      resolve(s as Server);
    });
    s.once('error', reject);
  });
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
  let server: Server;
  try {
    server = await listen(app, config);
  } catch (error) {
    // The port is taken (or not ours to bind): fail the start instead of crashing on an unhandled
    // 'error' event, and leave no timer, LISTEN connection or pool behind.
    await Promise.allSettled(background.map((task) => task.stop()));
    if (!options.db) await db.close().catch(() => {});
    throw error;
  }
  const connections = trackConnections(server);
  answerParserErrors(server, connections, logger);
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;

  let stopping: Promise<void> | null = null;
  const shutdown = () => {
    stopping ??= stopWithinGrace({ server, connections, background, db, logger, graceMs: config.shutdownGraceMs });
    return stopping;
  };

  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, port, db, app, feedHub, shutdown };
}
