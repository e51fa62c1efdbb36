/**
 * The deploy watcher process (`npm run start:watcher`): config once, listen on PORT, stop gracefully on
 * SIGTERM (Cloud Run) or SIGINT. A bad setting is one CRITICAL log line naming it, and exit code 1.
 */
import { createLogger } from '../log.js';
import { loadWatcherConfig, WatcherConfigError } from './config.js';
import { startWatcher } from './start.js';

const logger = createLogger({ service: 'vitana-deploy-watcher' });

async function main(): Promise<void> {
  let config;
  try {
    config = loadWatcherConfig();
  } catch (error) {
    if (error instanceof WatcherConfigError) {
      logger.log('CRITICAL', error.message);
      process.exit(1);
    }
    throw error;
  }
  const watcher = await startWatcher(config, { logger });
  logger.info('watcher listening', {
    port: watcher.port,
    project: config.projectId,
    gateway: config.gateway.url,
    logging: config.logging.endpoint ?? 'logging.googleapis.com',
  });

  const stop = (signal: string) => {
    logger.info('signal received; shutting down', { signal });
    watcher.shutdown().then(
      () => {
        logger.info('deploy watcher stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  logger.log('CRITICAL', 'deploy watcher failed to start', { error });
  process.exit(1);
});
