/**
 * The HTTP server of a worker service (the deploy watcher, the delivery reconciler): listen on a port,
 * and on shutdown stop taking connections, let what runs finish within the grace period, then cut the rest.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Logger } from '../core/log.js';

export interface WorkerServer {
  url: string;
  port: number;
  /** Stops accepting connections; resolves once in-flight requests finished or `graceMs` passed. */
  close(graceMs: number, logger: Logger): Promise<void>;
}

async function listenWorker(fetch: (request: Request) => Response | Promise<Response>, port: number, hostname?: string): Promise<WorkerServer> {
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch, port, ...(hostname ? { hostname } : {}) }, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const host = hostname && hostname !== '0.0.0.0' ? hostname : '127.0.0.1';
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    async close(graceMs, logger) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections are closed as soon as they go idle after their last response.
      const sweeper = setInterval(() => (server as { closeIdleConnections?: () => void }).closeIdleConnections?.(), 50);
      const grace = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
      if ((await Promise.race([closed, grace])) === 'timeout') {
        logger.warn('grace period over: closing remaining connections');
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }
      clearInterval(sweeper);
    },
  };
}

export interface RunningWorker {
  url: string;
  port: number;
  /** Stops accepting requests, lets in-flight work finish (up to the grace period), then releases the dependencies. Once. */
  shutdown(): Promise<void>;
}

export interface WorkerOptions {
  fetch: (request: Request) => Response | Promise<Response>;
  port: number;
  /** Listen address; default all interfaces (Cloud Run), tests pass 127.0.0.1. */
  hostname?: string;
  graceMs: number;
  logger: Logger;
  /** What in-flight work is, for the shutdown log line ("in-flight polls"). */
  inFlight: string;
  /** Closes what the service holds (clients, pools) after the server stopped. */
  release: () => Promise<void>;
}

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const { logger, graceMs } = options;
  const server = await listenWorker(options.fetch, options.port, options.hostname);
  let stopping: Promise<void> | undefined;
  return {
    url: server.url,
    port: server.port,
    shutdown() {
      stopping ??= (async () => {
        logger.info(`shutting down: no new connections, finishing ${options.inFlight}`, { graceMs });
        await server.close(graceMs, logger);
        await options.release();
      })();
      return stopping;
    },
  };
}
