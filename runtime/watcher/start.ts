/**
 * Composes the watcher from its config (Cloud Logging source, gateway client, poller, app) and listens.
 * server.ts is the process around it; tests call `startWatcher` directly.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Logger } from '../log.js';
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

export interface RunningWatcher {
  url: string;
  port: number;
  /** Stops accepting requests, lets in-flight polls finish (up to the grace period), closes clients. */
  shutdown(): Promise<void>;
}

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

  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.port, ...(options.hostname ? { hostname: options.hostname } : {}) }, () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const host = options.hostname && options.hostname !== '0.0.0.0' ? options.hostname : '127.0.0.1';

  let stopping: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    shutdown() {
      stopping ??= (async () => {
        logger.info('shutting down: no new connections, finishing in-flight polls', { graceMs: config.shutdownGraceMs });
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Keep-alive connections are closed as soon as they go idle after their last response.
        const sweeper = setInterval(() => (server as { closeIdleConnections?: () => void }).closeIdleConnections?.(), 50);
        const grace = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), config.shutdownGraceMs).unref());
        if ((await Promise.race([closed, grace])) === 'timeout') {
          logger.warn('grace period over: closing remaining connections');
          (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        }
        clearInterval(sweeper);
        await source.close();
      })();
      return stopping;
    },
  };
}
