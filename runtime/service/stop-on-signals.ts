import type { Logger } from '../core/log.js';

/**
 * SIGTERM (Cloud Run scaling in or deploying) and SIGINT (Ctrl-C) run the service's graceful
 * shutdown once, then exit 0; a failing shutdown exits 1. Shared by the gateway, the watcher and the reconciler.
 *
 * The listeners stay for the whole shutdown: a signal that arrives while it runs is logged and
 * ignored. One Ctrl-C often arrives more than once (the terminal signals the whole process group, and
 * npm and tsx relay it as well), and a Node process without a listener would die at the second copy,
 * in local mode before the embedded database has closed (the next start then runs crash recovery).
 * The shutdown itself is bounded (SHUTDOWN_GRACE_MS), so no signal needs to cut it short; to stop
 * at once regardless, send SIGKILL.
 */
export function stopOnSignals(logger: Logger, shutdown: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.info('already stopping; signal ignored (the shutdown is bounded by its grace period)', { signal });
      return;
    }
    stopping = true;
    logger.info('signal received', { signal });
    shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
