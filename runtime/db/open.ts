import { resolve } from 'node:path';
import type { Logger } from '../core/log.js';
import { createPgDatabase } from './pg.js';
import { createPgliteDatabase } from './pglite.js';
import type { Database } from '../core/database.js';

export interface DatabaseSettings {
  url?: string;
  listenUrl?: string;
  poolMax: number;
  acquireTimeoutMs: number;
  dataDir: string;
}

/** DATABASE_URL -> PostgreSQL; otherwise the embedded PGlite in OASIS_DATA_DIR. */
export async function openDatabase(settings: DatabaseSettings, logger: Logger): Promise<Database> {
  if (settings.url) return createPgDatabase({ url: settings.url, listenUrl: settings.listenUrl, max: settings.poolMax, acquireTimeoutMs: settings.acquireTimeoutMs, logger });
  return createPgliteDatabase({ dataDir: resolve(settings.dataDir) });
}
