import { loadConfig } from './config.js';
import { resolveSecrets } from './local-secrets.js';
import { createLogger } from '../core/log.js';
import { runProcess } from '../service/run-process.js';
import { stopOnSignals } from '../service/stop-on-signals.js';
import { localOperatorToken, localWelcome } from './local-welcome.js';
import { startGateway } from './start.js';

/** The gateway process: config once, start, print how to try it (local mode), stop on SIGTERM/SIGINT. */

const logger = createLogger({ service: 'vitana-gateway' });

async function main(): Promise<void> {
  const { config, local } = resolveSecrets(loadConfig());
  const gateway = await startGateway(config, { logger });
  // Before the line that says it listens: a signal sent as soon as that line is read must find the handler.
  stopOnSignals(logger, gateway.shutdown);
  if (!config.production && config.secrets.jwt) process.stderr.write(localWelcome(gateway.url, await localOperatorToken(config.secrets.jwt, new Date()), local));
  logger.info('gateway listening', { port: gateway.port, database: gateway.db.kind, publicRead: config.publicRead });
}

runProcess(main, { logger, failure: 'gateway failed to start' });
