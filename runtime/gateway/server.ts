import { sign } from 'hono/jwt';
import { ConfigError, loadConfig } from '../config.js';
import { localSecretsPath, resolveSecrets } from '../local-secrets.js';
import { createLogger } from '../log.js';
import { stopOnSignals } from '../stop-on-signals.js';
import { startGateway } from './start.js';

/** The gateway process: config once, start, print how to try it (local mode), stop on SIGTERM/SIGINT. */

const logger = createLogger({ service: 'vitana-gateway' });

async function printLocalWelcome(url: string, jwtSecret: string, generated: string[], dataDir: string): Promise<void> {
  const token = await sign({ role: 'service_role', sub: 'local-operator', iat: Math.floor(Date.now() / 1000) }, jwtSecret, 'HS256');
  const lines = [
    '',
    `  vitana-oasis gateway is running at ${url}`,
    `  Live Console:  ${url}/`,
    ...(generated.length ? [`  Generated for local use (kept in ${localSecretsPath(dataDir)}): ${generated.join(', ')}`] : []),
    `  Service-role token: ${token}`,
    '  Try it:',
    `    curl -s -X POST ${url}/events/ingest -H "Authorization: Bearer ${token}" -H "Content-Type: application/json" \\`,
    `      -d '{"source":"demo","kind":"hello","status":"success","vtid":"VTID-2026-0001","title":"first event"}'`,
    `    curl -s "${url}/api/v1/oasis/events?vtid=VTID-2026-0001" -H "Authorization: Bearer ${token}"`,
    '',
  ];
  process.stderr.write(lines.join('\n') + '\n');
}

async function main(): Promise<void> {
  let loaded;
  try {
    loaded = resolveSecrets(loadConfig());
  } catch (error) {
    if (error instanceof ConfigError) {
      logger.log('CRITICAL', error.message);
      process.exit(1);
    }
    throw error;
  }
  const { config, generated } = loaded;
  const gateway = await startGateway(config, { logger });
  if (!config.production && config.secrets.jwt) await printLocalWelcome(gateway.url, config.secrets.jwt, generated, config.database.dataDir);
  logger.info('gateway listening', { port: gateway.port, database: gateway.db.kind, publicRead: config.publicRead });

  stopOnSignals(logger, gateway.shutdown);
}

main().catch((error: unknown) => {
  logger.log('CRITICAL', 'gateway failed to start', { error });
  process.exit(1);
});
