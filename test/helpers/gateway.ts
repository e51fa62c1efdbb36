import { loadConfig, type ResolvedConfig } from '../../runtime/gateway/config.js';
import { startGateway, type GatewayHandle } from '../../runtime/gateway/start.js';
import { createMemoryLogger, type LogFields } from '../../runtime/core/log.js';
import { checkContract } from './contract.js';
import { createTestDatabase, type Backend, type TestDatabase } from './db.js';
import { serviceToken, TEST_JWT_SECRET, TEST_WEBHOOK_SECRET } from './tokens.js';

/**
 * The real gateway on an ephemeral loopback port, over real HTTP, on a fresh database of the chosen
 * backend. Tests talk to it with fetch() and assert rows through `db` (a superuser connection).
 */

export interface TestGateway {
  url: string;
  backend: Backend;
  /** Superuser connection to the same database, for arranging and asserting rows. */
  db: TestDatabase['db'];
  /** pg backend only: the database URL (start more gateways or processes on it). */
  databaseUrl?: string;
  config: ResolvedConfig;
  handle: GatewayHandle;
  serviceToken: string;
  logs: LogFields[];
  /**
   * fetch(url + path) with the service-role token unless `headers.authorization` is given. Every
   * response is checked against the OpenAPI spec (test/helpers/contract.ts).
   */
  request(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  /** Stops the gateway and drops its database. */
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  backend?: Backend;
  /** Extra environment (e.g. OASIS_PUBLIC_READ=true) on top of the test defaults. */
  env?: Record<string, string>;
  /** Reuse an existing test database (e.g. a second gateway on the same database). */
  database?: TestDatabase;
  clock?: () => Date;
}

export function testConfig(env: Record<string, string | undefined> = {}): ResolvedConfig {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    SUPABASE_JWT_SECRET: TEST_JWT_SECRET,
    GITHUB_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    SHUTDOWN_GRACE_MS: '2000',
    ...env,
  });
  return config as ResolvedConfig;
}

export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const backend = options.backend ?? options.database?.backend ?? 'pglite';
  const ownsDatabase = !options.database;
  const database = options.database ?? (await createTestDatabase(backend));
  const config = testConfig({ ...(database.url ? { DATABASE_URL: database.url } : {}), ...options.env });
  const logger = createMemoryLogger();
  // The embedded database is one in-process instance, so the gateway shares it; on pg the gateway opens its own pool.
  const handle = await startGateway(config, { logger, db: backend === 'pglite' ? database.db : undefined, clock: options.clock });
  const token = await serviceToken();
  let closed = false;
  return {
    url: handle.url,
    backend,
    db: database.db,
    databaseUrl: database.url,
    config,
    handle,
    serviceToken: token,
    logs: logger.lines,
    request: (path, init = {}) => {
      const { token: override, ...rest } = init;
      const headers = new Headers(rest.headers);
      const bearer = override === undefined ? token : override;
      if (bearer !== null && !headers.has('authorization')) headers.set('authorization', `Bearer ${bearer}`);
      const url = handle.url + path;
      return fetch(url, { ...rest, headers }).then(async (response) => {
        await checkContract(rest.method ?? 'GET', url, response);
        return response;
      });
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await handle.shutdown();
      if (ownsDatabase) await database.drop().catch(() => {});
    },
  };
}

/** JSON of a response, typed loosely for assertions. */
export async function json(response: Response): Promise<Record<string, any>> {
  return (await response.json()) as Record<string, any>;
}
