/**
 * One way to serve an app over HTTP, for the gateway, the deploy watcher and the delivery reconciler:
 * listen (with the Node server options the service passes), track connections, and stop gracefully
 * within the grace period. The signals that start the stop are stop-on-signals.ts (a process concern:
 * tests serve in-process and stop by calling `shutdown`).
 *
 * The stop, bounded by the grace whatever the service's hooks do:
 * 1. `beforeClose`, then no new connections; `drain` ends long-lived work (the feed's streams);
 *    connections close as soon as they serve no request, the pre-opened ones included.
 * 2. In-flight requests may finish until the grace less the reserve.
 * 3. If some still run: `endInFlight` (the gateway ends their database work, so nothing whose client is
 *    about to be cut off can commit later, and they are answered), a moment for the answers to go
 *    out, then every connection left is closed.
 * 4. `release` (the database, the clients) within what is left of the grace; the process exits after
 *    this either way.
 */
import type { Server, ServerOptions } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve as listenWithNode } from '@hono/node-server';
import type { Logger } from '../core/log.js';
import { trackConnections, type TrackedConnections } from './connections.js';

export interface Servable {
  fetch: (request: Request) => Response | Promise<Response>;
}

/** The service's own steps of the stop (see the module comment for when each runs). */
export interface ShutdownHooks {
  /** Synchronous, before the server stops taking connections (the database gets ready for endInFlight). */
  beforeClose?: () => void;
  /** Stops what runs beside the server (streams, timers); waited for until the in-flight allowance ends. */
  drain?: () => Promise<unknown>;
  /** Ends the work of requests still running when their allowance is over, within `budgetMs`. */
  endInFlight?: { /** For the warning: "ending the database work still in flight". */ action: string; run: (budgetMs: number) => Promise<void> };
  /** Closes what the service holds once the server stopped. */
  release?: { /** For the warning if it overruns: "the database". */ what: string; run: () => Promise<void> };
}

export interface ServeOptions {
  port: number;
  /** Listen address; default every interface (Cloud Run). */
  hostname?: string;
  /** Node's HTTP server options (header, request and keep-alive timeouts). */
  serverOptions?: ServerOptions;
  /** SHUTDOWN_GRACE_MS: the whole stop fits in it (Cloud Run sends SIGKILL 10 s after SIGTERM). */
  graceMs: number;
  /**
   * Kept back from the grace for what follows the in-flight requests (endInFlight, the answers,
   * release); a quarter of the grace at most. Default 0: in-flight work has the whole grace.
   */
  reserveMs?: number;
  /** What in-flight work is, for the shutdown log line; default "in-flight requests". */
  inFlight?: string;
  logger: Logger;
  hooks?: ShutdownHooks;
}

export interface Served {
  url: string;
  port: number;
  /** For what the service adds to the server itself (the gateway's parser-error answers). */
  server: Server;
  connections: TrackedConnections;
  /** The graceful stop (module comment). Called again, the same stop. */
  shutdown(): Promise<void>;
}

// How long the answers to the requests whose work was ended may take to go out.
const ANSWER_MS = 200;
// A release is never given less than this, even when the grace is spent.
const MIN_RELEASE_MS = 100;
// How often connections that went idle are looked for during the stop.
const SWEEP_MS = 50;

export async function serve(app: Servable, options: ServeOptions): Promise<Served> {
  const server = await listen(app, options);
  const connections = trackConnections(server);
  const { port } = server.address() as AddressInfo;
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${reachableHost(options.hostname)}:${port}`,
    port,
    server,
    connections,
    shutdown() {
      stopping ??= stopWithinGrace(server, connections, options);
      return stopping;
    },
  };
}

function listen(app: Servable, options: ServeOptions): Promise<Server> {
  return new Promise<Server>((resolve, reject) => {
    const server = listenWithNode(
      {
        fetch: app.fetch,
        port: options.port,
        ...(options.hostname ? { hostname: options.hostname } : {}),
        ...(options.serverOptions ? { serverOptions: options.serverOptions } : {}),
      },
      () => {
        server.off('error', reject);
        resolve(server as Server);
      },
    );
    // The port is taken (or not ours to bind): the start fails instead of an unhandled 'error' event.
    server.once('error', reject);
  });
}

/** Where a client on this machine reaches the server: a wildcard address is reached on loopback. */
function reachableHost(hostname: string | undefined): string {
  if (!hostname || hostname === '0.0.0.0' || hostname === '::') return '127.0.0.1';
  return hostname.includes(':') ? `[${hostname}]` : hostname;
}

/** Whether `work` settled before `deadline` (epoch ms); it goes on either way. */
async function settlesBy(work: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  const done = work.then(
    () => true as const,
    () => true as const,
  );
  try {
    return await Promise.race([done, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function stopWithinGrace(server: Server, connections: TrackedConnections, options: ServeOptions): Promise<void> {
  const { graceMs, logger, hooks = {} } = options;
  const graceEnds = Date.now() + graceMs;
  const reserve = Math.min(options.reserveMs ?? 0, Math.floor(graceMs / 4));
  const inFlightEnds = graceEnds - reserve;
  logger.info(`shutting down: no new connections, finishing ${options.inFlight ?? 'in-flight requests'}`, { graceMs });
  hooks.beforeClose?.();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  if (hooks.drain) await settlesBy(hooks.drain(), inFlightEnds);
  // Node's own closeIdleConnections() skips connections that never sent a request (browsers and
  // fetch() open those ahead of time): without the tracked ones, every stop would wait out its grace.
  const sweeper = setInterval(() => connections.closeIdle(), SWEEP_MS);
  connections.closeIdle();
  try {
    if (!(await settlesBy(closed, inFlightEnds))) {
      const { endInFlight } = hooks;
      if (endInFlight) {
        logger.warn(`grace period nearly over: ${endInFlight.action}, then closing the remaining connections`);
        const budgetMs = Math.max(1, Math.floor(reserve / 2));
        await settlesBy(endInFlight.run(budgetMs), Date.now() + budgetMs);
        await settlesBy(closed, Math.min(Date.now() + ANSWER_MS, graceEnds - MIN_RELEASE_MS));
      } else {
        logger.warn('grace period over: closing remaining connections');
      }
      server.closeAllConnections();
    }
  } finally {
    clearInterval(sweeper);
  }
  const { release } = hooks;
  if (release && !(await settlesBy(release.run(), Math.max(graceEnds, Date.now() + MIN_RELEASE_MS)))) {
    logger.warn(`${release.what} did not close within the grace period; stopping anyway`);
  }
  logger.info('shutdown complete');
}
