/**
 * The delivery reconciler service (Cloud Run `delivery-reconciler`; `npm run start:reconciler`): config
 * once, listen on PORT for Cloud Scheduler's POST /reconcile, stop gracefully on SIGTERM or SIGINT. A bad
 * setting is one CRITICAL log line naming it, and exit code 1.
 */
import { createLogger } from '../core/log.js';
import { runProcess } from '../service/run-process.js';
import { stopOnSignals } from '../service/stop-on-signals.js';
import { describeConfig, loadReconcilerConfig } from './config.js';
import { startReconciler } from './start.js';

const logger = createLogger({ service: 'vitana-delivery-reconciler' });

async function main(): Promise<void> {
  const config = loadReconcilerConfig();
  const reconciler = await startReconciler(config, { logger });
  // Before the line that says it listens: a signal sent as soon as that line is read must find the handler.
  stopOnSignals(logger, async () => {
    await reconciler.shutdown();
    logger.info('delivery reconciler stopped');
  });
  logger.info('reconciler listening', { port: reconciler.port, ...describeConfig(config) });
}

runProcess(main, { logger, failure: 'delivery reconciler failed to start' });
