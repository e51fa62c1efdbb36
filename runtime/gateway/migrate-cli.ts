import { loadConfig } from './config.js';
import { createLogger } from '../core/log.js';
import { startupRefusal } from '../service/startup-refusal.js';
import { projectRoot } from '../core/project-root.js';
import { migrate, readMigrationFiles } from '../db/migrate.js';
import { openDatabase } from '../db/open.js';

/** `npm run migrate`: applies pending migrations and policies to DATABASE_URL (or the embedded database). */
const logger = createLogger({ service: 'vitana-migrate' });

try {
  const config = loadConfig();
  const db = await openDatabase(config.database, logger);
  try {
    const result = await migrate(db, readMigrationFiles(projectRoot()), logger);
    logger.info('migrations current', { applied: result.applied, alreadyApplied: result.skipped, database: db.kind });
  } finally {
    await db.close();
  }
} catch (error) {
  // A bad setting (ConfigError is a Refusal) or a data folder in use is its one sentence.
  logger.log('CRITICAL', startupRefusal(error) ?? `migration failed: ${(error as Error).message}`);
  process.exit(1);
}
