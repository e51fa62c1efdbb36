import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startGateway } from '../../runtime/gateway/start.js';
import { createMemoryLogger } from '../../runtime/core/log.js';
import { createTestDatabase } from '../helpers/db.js';
import { testConfig } from '../helpers/gateway.js';

describe('gateway start', () => {
  it('fails the start (instead of crashing the process) when the port is taken, and the database stays usable', async () => {
    const taken = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const port = (taken.address() as AddressInfo).port;
    const database = await createTestDatabase('pglite');
    try {
      const start = startGateway(testConfig({ PORT: String(port) }), { logger: createMemoryLogger(), db: database.db });
      await expect(start).rejects.toMatchObject({ code: 'EADDRINUSE' });
      // The caller's database was not closed by the failed start; a second start on a free port works.
      const gateway = await startGateway(testConfig(), { logger: createMemoryLogger(), db: database.db });
      expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);
      await gateway.shutdown();
    } finally {
      taken.close();
      await database.drop();
    }
  });
});
