import { describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, HAS_PG, stallEventWrites } from '../helpers/db.js';
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
      // Browsers ask for the icon by themselves: an answer, not a WARNING line per page view.
      const icon = await gw.request('/favicon.ico', { token: null });
      expect(icon.status).toBe(200);
      expect(icon.headers.get('content-type')).toBe('image/svg+xml');
      expect(await icon.text()).toMatch(/^<svg /);
      expect(gw.logs.filter((line) => line.path === '/favicon.ico').map((line) => line.severity)).toEqual(['INFO']);
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

describe.skipIf(!HAS_PG)('readiness within its bound (PostgreSQL)', () => {
  it('every pooled connection busy behind a lock: /readyz answers 503 within its bound instead of waiting for the lock', async () => {
    const database = await createTestDatabase('pg');
    const gw = await startTestGateway({ database, env: { DATABASE_POOL_MAX: '1', GITHUB_WEBHOOK_STORE_TIMEOUT_MS: '20000' } });
    const stall = await stallEventWrites(database);
    try {
      // This write takes the one pooled connection and waits for the table lock.
      const write = gw.request('/events/ingest', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ source: 'ready-test', kind: 'k' }) });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const res = await fetch(`${gw.url}/readyz`);
      expect(res.status).toBe(503);
      expect((await res.json()) as unknown).toMatchObject({ ok: false, error: { code: 'database_unavailable', message: expect.stringMatching(/within/) } });
      // The readiness bound ended it ("within …"), not the pool's 15 s acquire timeout nor the lock.
      await stall.release();
      expect((await write).status).toBe(201);
    } finally {
      await stall.release().catch(() => {});
      await gw.close();
      await database.drop();
    }
  });
});
