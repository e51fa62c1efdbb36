import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseStoppingError } from '../../runtime/db/errors.js';
import { BACKENDS } from '../helpers/db.js';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * Work asked of the database after shutdown stopped taking any (Database.stopWork) fails with our own
 * DatabaseStoppingError, and the gateway answers it as the outage it is to the caller: 503
 * database_unavailable with Retry-After, never a 500. The error is told by its class, so these answers
 * hold only while that check does (its text matches none of the drivers' outage messages).
 */
describe.each(BACKENDS)('work asked after stopWork (%s)', (backend) => {
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  it('is refused with DatabaseStoppingError, before anything is sent', async () => {
    gw = await startTestGateway({ backend });
    await gw.handle.db.stopWork(1_000);
    await expect(gw.handle.db.transaction((tx) => tx.query('select 1'))).rejects.toBeInstanceOf(DatabaseStoppingError);
  });

  it('a write is answered 503 database_unavailable, "not stored"', async () => {
    gw = await startTestGateway({ backend });
    await gw.handle.db.stopWork(1_000);
    const response = await gw.request('/events/ingest', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source: 'stopping', kind: 'probe', title: 'after stopWork', externalId: 'stopping-1' }),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await json(response)).toEqual({ ok: false, error: { code: 'database_unavailable', message: 'the database is unavailable; the event was not stored' } });
  });

  it('a read is answered 503 database_unavailable, "retry later"', async () => {
    gw = await startTestGateway({ backend });
    await gw.handle.db.stopWork(1_000);
    const response = await gw.request('/vtid/list');
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await json(response)).toEqual({ ok: false, error: { code: 'database_unavailable', message: 'the database is unavailable; retry later' } });
  });
});
