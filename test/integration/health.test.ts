import { describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase } from '../helpers/db.js';
import { json, startTestGateway } from '../helpers/gateway.js';

describe.each(BACKENDS)('health on %s', (backend) => {
  it('/healthz and /readyz answer 200 on a migrated database; unknown routes are 404 JSON', async () => {
    const gw = await startTestGateway({ backend });
    try {
      expect(await json(await gw.request('/healthz', { token: null }))).toEqual({ ok: true });
      const ready = await gw.request('/readyz', { token: null });
      expect(ready.status).toBe(200);
      const missing = await gw.request('/nope', { token: null });
      expect(missing.status).toBe(404);
      expect(await json(missing)).toEqual({ ok: false, error: { code: 'not_found', message: 'no route for GET /nope' } });
    } finally {
      await gw.close();
    }
  });

  it('/readyz is 503 when migrations are pending', async () => {
    const gw = await startTestGateway({ backend });
    try {
      await gw.db.query(`delete from oasis_schema_migrations where name like 'policies/%'`);
      const res = await gw.request('/readyz', { token: null });
      expect(res.status).toBe(503);
      expect((await json(res)).error.code).toBe('migrations_pending');
    } finally {
      await gw.close();
    }
  });

  it('/readyz is 503 and writes are 503 (not 5xx bugs) when the database is gone; /healthz stays 200', async () => {
    const database = await createTestDatabase(backend);
    const gw = await startTestGateway({ database });
    try {
      await database.drop(); // PGlite: closed; PostgreSQL: database dropped, connections terminated
      const ready = await gw.request('/readyz', { token: null });
      expect(ready.status).toBe(503);
      expect((await json(ready)).error.code).toBe('database_unavailable');
      const write = await gw.request('/events/ingest', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"source":"s","kind":"k"}' });
      expect(write.status).toBe(503);
      expect(write.headers.get('retry-after')).toBe('5');
      expect((await json(write)).error.code).toBe('database_unavailable');
      expect((await gw.request('/healthz', { token: null })).status).toBe(200);
    } finally {
      await gw.close().catch(() => {});
    }
  });
});
