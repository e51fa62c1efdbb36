/**
 * The deploy watcher process (`npm run start:watcher`): config once, listen on PORT, stop gracefully on
 * SIGTERM (Cloud Run) or SIGINT. A bad setting is one CRITICAL log line naming it, and exit code 1.
 */
import { createLogger } from '../core/log.js';
import { runProcess } from '../service/run-process.js';
import { stopOnSignals } from '../service/stop-on-signals.js';
import { loadWatcherConfig } from './config.js';
import { startWatcher } from './start.js';

const logger = createLogger({ service: 'vitana-deploy-watcher' });

async function main(): Promise<void> {
  const config = loadWatcherConfig();
  const watcher = await startWatcher(config, { logger });
  // Before the line that says it listens: a signal sent as soon as that line is read must find the handler.
  stopOnSignals(logger, async () => {
    await watcher.shutdown();
    logger.info('deploy watcher stopped');
  });
  logger.info('watcher listening', {
    port: watcher.port,
    project: config.projectId,
    gateway: config.gateway.url,
    logging: config.logging.endpoint ?? 'logging.googleapis.com',
  });
}

runProcess(main, { logger, failure: 'deploy watcher failed to start' });
