import type { Server } from 'node:http';
import type { Database } from '../core/database.js';
import type { Logger } from '../core/log.js';
import type { TrackedConnections } from './connections.js';

/** Something that runs beside the HTTP server (the feed listener, the agent monitor) and stops with it. */
export interface BackgroundTask {
  /** Called at shutdown before the server closes: end long-lived streams, stop timers. */
  stop(): Promise<void>;
}

export interface StopDeps {
  server: Server;
  connections: TrackedConnections;
  background: readonly BackgroundTask[];
  db: Database;
  logger: Logger;
  /** SHUTDOWN_GRACE_MS: the whole stop fits in it (Cloud Run sends SIGKILL 10 s after SIGTERM). */
  graceMs: number;
}

// Kept back from the grace for what follows the in-flight requests: ending their database work,
// their answers, closing the database. A quarter of the grace at most.
const RESERVE_MS = 1_500;
// How long the answers to the requests whose work was ended may take to go out.
const ANSWER_MS = 200;
// A database close is never given less than this, even when the grace is spent.
const MIN_CLOSE_MS = 100;

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

/**
 * The graceful stop, bounded by the grace whatever the database does:
 * 1. No new connections; long-lived streams (the feed) end; connections close as soon as they are idle.
 * 2. In-flight requests may finish until the grace less the reserve.
 * 3. Then the database first (db.stopWork): nothing more is sent, and the work still in flight is
 *    ended in the database, so nothing whose client is about to be cut off can commit later. Those
 *    requests fail now and are answered (503: database_unavailable, or store_outcome_unknown for a
 *    write whose COMMIT was on its way); a moment for the answers to go out, then every connection
 *    left is closed.
 * 4. The database closes within what is left of the grace; the process exits after this either way.
 */
export async function stopWithinGrace(deps: StopDeps): Promise<void> {
  const { server, connections, background, db, logger, graceMs } = deps;
  const graceEnds = Date.now() + graceMs;
  const reserve = Math.min(RESERVE_MS, Math.floor(graceMs / 4));
  const drainEnds = graceEnds - reserve;
  logger.info('shutting down: no new connections, finishing in-flight requests', { graceMs });
  db.prepareStop();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  await settlesBy(Promise.allSettled(background.map((task) => task.stop())), drainEnds);
  // Connections not serving a request (idle keep-alives, pre-opened ones) are closed as soon as they are.
  const sweeper = setInterval(() => connections.closeIdle(), 50);
  connections.closeIdle();
  try {
    if (!(await settlesBy(closed, drainEnds))) {
      logger.warn('grace period nearly over: ending the database work still in flight, then closing the remaining connections');
      const stopWorkMs = Math.max(1, Math.floor(reserve / 2));
      await settlesBy(db.stopWork(stopWorkMs), Date.now() + stopWorkMs);
      await settlesBy(closed, Math.min(Date.now() + ANSWER_MS, graceEnds - MIN_CLOSE_MS));
      server.closeAllConnections();
    }
  } finally {
    clearInterval(sweeper);
  }
  if (!(await settlesBy(db.close(), Math.max(graceEnds, Date.now() + MIN_CLOSE_MS)))) {
    logger.warn('the database did not close within the grace period; stopping anyway');
  }
  logger.info('shutdown complete');
}
