/**
 * Composes the watcher from its config (Cloud Logging source, gateway client, poller, app) and listens.
 * server.ts is the process around it; tests call `startWatcher` directly.
 */
import type { Logger } from '../core/log.js';
import { serve, type Served } from '../service/serve.js';
import { createWatcherApp } from './app.js';
import type { WatcherConfig } from './config.js';
import { createGatewayClient } from './gateway-client.js';
import { createLoggingSource } from './logging-source.js';
import { createPoller } from './poll.js';

export interface StartWatcherOptions {
  logger: Logger;
  /** Listen address; default all interfaces (Cloud Run), tests pass 127.0.0.1. */
  hostname?: string;
  /** Injectable clock for tests. */
  now?: () => Date;
  /** Injectable for tests (quota back-off without waiting). */
  sleep?: (ms: number) => Promise<void>;
  /** Injectable for tests (a gateway that fails part-way). */
  fetch?: typeof fetch;
}

export type RunningWatcher = Served;

export async function startWatcher(config: WatcherConfig, options: StartWatcherOptions): Promise<RunningWatcher> {
  const { logger } = options;
  const source = createLoggingSource({
    projectId: config.projectId,
    ...(config.logging.endpoint ? { endpoint: config.logging.endpoint } : {}),
    timeoutMs: config.logging.timeoutMs,
    quotaRetries: config.logging.quotaRetries,
    quotaBackoffMs: config.logging.quotaBackoffMs,
    logger,
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
  const gateway = createGatewayClient({ ...config.gateway, ...(options.fetch ? { fetch: options.fetch } : {}) });
  const poller = createPoller({
    settings: {
      projectId: config.projectId,
      lookbackMinutes: config.lookbackMinutes,
      overlapMinutes: config.overlapMinutes,
      pageSize: config.logging.pageSize,
      maxPages: config.logging.maxPages,
    },
    source,
    gateway,
    logger,
    ...(options.now ? { now: options.now } : {}),
  });
  const app = createWatcherApp({ poller, logger });

  return serve(app, {
    port: config.port,
    ...(options.hostname ? { hostname: options.hostname } : {}),
    graceMs: config.shutdownGraceMs,
    logger,
    inFlight: 'in-flight polls',
    hooks: { release: { what: 'the Cloud Logging client', run: () => source.close() } },
  }).catch(async (error: unknown) => {
    // The port is taken (or not ours to bind): the start fails, and leaves no gRPC channel behind.
    await source.close().catch(() => {});
    throw error;
  });
}
