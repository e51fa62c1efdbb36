/**
 * Composes the reconciler from its config (the OASIS database, the events writer, the GitHub client,
 * the pass) and, for the service, listens. server.ts (the Cloud Run service) and cli.ts (`npm run
 * reconcile`, one pass) are the processes around it; tests call these directly.
 */
import { createPgDatabase } from '../db/pg.js';
import { EventWriter } from '../events/writer.js';
import type { Logger } from '../core/log.js';
import { serve, type Served } from '../service/serve.js';
import { createReconcilerApp } from './app.js';
import type { ReconcilerConfig } from './config.js';
import { createGithubClient } from './github-client.js';
import { createReconciler, type Reconciler } from './pass.js';

export interface ReconcilerOptions {
  logger: Logger;
  /** Injectable clock for tests (the window, rate-limit waits). */
  now?: () => Date;
}

export interface ComposedReconciler {
  reconciler: Reconciler;
  /** Closes the database pool. */
  close(): Promise<void>;
}

export function composeReconciler(config: ReconcilerConfig, options: ReconcilerOptions): ComposedReconciler {
  const { logger } = options;
  const db = createPgDatabase({ url: config.database.url, max: config.database.poolMax, acquireTimeoutMs: config.database.acquireTimeoutMs, logger });
  const github = createGithubClient({ ...config.github, logger, ...(options.now ? { now: options.now } : {}) });
  const reconciler = createReconciler({
    settings: config.pass,
    hooks: config.hooks,
    github,
    db,
    writer: new EventWriter(db),
    logger,
    ...(options.now ? { now: options.now } : {}),
  });
  return { reconciler, close: () => db.close() };
}

/** The service: POST /reconcile and /healthz on config.port; shutdown lets a running pass finish within the grace. */
export async function startReconciler(
  config: ReconcilerConfig,
  options: ReconcilerOptions & { /** Listen address; default all interfaces (Cloud Run), tests pass 127.0.0.1. */ hostname?: string },
): Promise<Served> {
  const { logger } = options;
  const composed = composeReconciler(config, options);
  return serve(createReconcilerApp({ reconciler: composed.reconciler, logger }), {
    port: config.port,
    ...(options.hostname ? { hostname: options.hostname } : {}),
    graceMs: config.shutdownGraceMs,
    logger,
    inFlight: 'a running pass',
    hooks: { release: { what: 'the database', run: composed.close } },
  }).catch(async (error: unknown) => {
    // The port is taken (or not ours to bind): the start fails, and leaves no pool behind.
    await composed.close().catch(() => {});
    throw error;
  });
}
