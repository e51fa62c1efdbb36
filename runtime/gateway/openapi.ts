import { loadConfig, type ResolvedConfig } from './config.js';
import type { Database } from '../core/database.js';
import { FeedHub } from '../feed/hub.js';
import { silentLogger } from '../core/log.js';
import { createGatewayApp } from './app.js';
import { gatewayDocument, oasisDocument } from './openapi-document.js';

/**
 * The OpenAPI documents without a running gateway (for `npm run openapi`): the routers are composed
 * exactly as in production, with inert dependencies, since building the document runs no handler.
 */

const INERT_DB: Database = new Proxy({} as Database, {
  get: () => {
    throw new Error('building the OpenAPI document must not touch the database');
  },
});

function documentApp() {
  const config = { ...loadConfig({}), secrets: { jwt: 'x'.repeat(32), githubWebhook: 'x' } } as ResolvedConfig;
  const feedHub = new FeedHub({ db: INERT_DB, logger: silentLogger, maxClients: 1, keepaliveMs: 15_000 });
  return createGatewayApp({ config, db: INERT_DB, logger: silentLogger, migrationFiles: [], feedHub });
}

export const gatewayOpenApiDocument = () => gatewayDocument(documentApp());
export const oasisOpenApiDocument = () => oasisDocument(documentApp());
