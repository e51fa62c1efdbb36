import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ResolvedConfig } from '../config.js';
import type { MigrationFile } from '../db/migrate.js';
import type { Database } from '../db/types.js';
import { eventRoutes } from '../events/routes.js';
import type { AuthOptions } from '../http/auth.js';
import type { AppEnv } from '../http/env.js';
import { onError, onNotFound } from '../http/on-error.js';
import { requestLog } from '../http/request-log.js';
import { createRouter } from '../http/router.js';
import type { Logger } from '../log.js';
import { healthRoutes } from './health-routes.js';

export interface GatewayDeps {
  config: ResolvedConfig;
  db: Database;
  logger: Logger;
  migrationFiles: MigrationFile[];
  /** Injected for tests of time-dependent behaviour (year rollover, offline detection). */
  clock?: () => Date;
}

export const OPENAPI_INFO = {
  title: 'vitana-oasis gateway',
  version: '1.0.0',
  description: 'GitHub webhooks, the OASIS event store (ingest, query, live feed), agents and the VTID ledger.',
};

/** Composes the gateway: middleware, then one router per concern. */
export function createGatewayApp(deps: GatewayDeps): OpenAPIHono<AppEnv> {
  const auth: AuthOptions = { secret: deps.config.secrets.jwt, publicRead: deps.config.publicRead };
  const app = createRouter();
  app.use('*', requestLog(deps.logger));
  app.onError(onError);
  app.notFound(onNotFound);

  app.route('/', healthRoutes({ db: deps.db, migrationFiles: deps.migrationFiles }));
  app.route('/', eventRoutes({ db: deps.db, auth, ingestMaxBytes: deps.config.ingestMaxBytes }));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'HS256 JWT signed with the Supabase JWT secret (service_role or authenticated).',
  });
  app.doc31('/openapi.json', { openapi: '3.1.0', info: OPENAPI_INFO });
  return app;
}
