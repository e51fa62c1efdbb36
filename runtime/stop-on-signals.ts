import type { Logger } from './log.js';

/**
 * SIGTERM (Cloud Run scaling in or deploying) and SIGINT (Ctrl-C) run the service's graceful
 * shutdown once, then exit 0; a failing shutdown exits 1. Shared by the gateway and the watcher.
 */
export function stopOnSignals(logger: Logger, shutdown: () => Promise<void>): void {
  const stop = (signal: NodeJS.Signals) => {
    logger.info('signal received', { signal });
    shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
