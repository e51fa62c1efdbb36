/**
 * `npm run reconcile`: one pass now, from a terminal, e.g. right after an outage (docs/RECONCILER.md).
 * The same settings as the service (PORT aside); the summary is the last log line. Exit code 0 when the
 * pass went through every hook, 2 when GitHub rate-limited it (the line says how long to wait), 3 when a
 * hook could not be read, 1 on a bad setting or a failure.
 */
import { createLogger } from '../core/log.js';
import { runProcess } from '../service/run-process.js';
import { describeConfig, loadReconcilerConfig } from './config.js';
import { composeReconciler } from './start.js';

const logger = createLogger({ service: 'vitana-delivery-reconciler' });

async function main(): Promise<number> {
  const config = loadReconcilerConfig();
  logger.info('reconcile pass starting', describeConfig(config));
  const { reconciler, close } = composeReconciler(config, { logger });
  try {
    const result = await reconciler.reconcile();
    logger.info('reconcile pass finished', { ...result });
    if (result.rateLimited) return 2;
    return result.hooks.every((hook) => hook.outcome === 'read') ? 0 : 3;
  } finally {
    await close();
  }
}

runProcess(main, { logger, failure: 'reconcile pass failed' });
