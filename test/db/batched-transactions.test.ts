import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchedTransactions, type Unit } from '../../runtime/db/batched-transactions.js';
import { migrate, readMigrationFiles } from '../../runtime/db/migrate.js';
import type { DbIdentity, Queryable } from '../../runtime/core/database.js';
import { WriteTimeoutError } from '../../runtime/db/write-budget.js';
import { insertEvent, storedEventId } from '../../runtime/events/repository.js';
import { silentLogger } from '../../runtime/core/log.js';
import { projectRoot } from '../../runtime/core/project-root.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { serviceIdentity } from '../../runtime/core/caller.js';

/** Units of work sharing transactions, on a real database: one commit, isolation of failures, RLS per unit. */

const alpha: DbIdentity = { role: 'authenticated', claims: { role: 'authenticated', sub: 'u-alpha', tenant: 'alpha' } };

let serial = 0;
async function writeEvent(tx: Queryable, tenant: string): Promise<{ id: number; txid: string }> {
  serial += 1;
  const outcome = await insertEvent(tx, { vtid: 'UNSET', source: 'units-test', kind: 'k', status: 'info', tenant, metadata: {}, externalId: `u-${serial}-${Math.random()}` });
  const { rows } = await tx.query<{ txid: string }>('select pg_current_xact_id()::text as txid');
  return { id: storedEventId(outcome)!, txid: rows[0]!.txid };
}

describe.each(BACKENDS)('BatchedTransactions on %s', (backend) => {
  let test: TestDatabase;
  let transactions: BatchedTransactions;
  beforeAll(async () => {
    test = await createTestDatabase(backend);
    await migrate(test.db, readMigrationFiles(projectRoot()), silentLogger);
    transactions = new BatchedTransactions(test.db);
  });
  afterAll(() => test.drop());
  // Ample time: these tests are about batching, not the budget (see below).
  const run = <O>(identity: DbIdentity, unit: Unit<O>) => transactions.run(identity, unit, 30_000);

  const count = async (ids: number[]) =>
    Number((await test.db.query<{ n: number }>('select count(*)::int as n from oasis_events where id = any($1::bigint[])', [ids])).rows[0]!.n);

  it('units submitted together commit in one transaction, each answered with its own result', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => run(alpha, (tx) => writeEvent(tx, 'alpha'))));
    expect(new Set(results.map((r) => r.txid)).size).toBe(1);
    expect(new Set(results.map((r) => r.id)).size).toBe(20);
    expect(await count(results.map((r) => r.id))).toBe(20);
  });

  it('a unit refused by row-level security fails alone; the rest of its batch commits', async () => {
    const settled = await Promise.allSettled([
      run(alpha, (tx) => writeEvent(tx, 'alpha')),
      run(alpha, (tx) => writeEvent(tx, 'beta')),
      run(alpha, (tx) => writeEvent(tx, 'alpha')),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({ code: '42501' });
    const stored = settled.filter((s) => s.status === 'fulfilled').map((s) => (s as PromiseFulfilledResult<{ id: number }>).value.id);
    expect(await count(stored)).toBe(2);
    const { rows } = await test.db.query<{ n: number }>(`select count(*)::int as n from oasis_events where source = 'units-test' and tenant = 'beta'`);
    expect(rows[0]!.n).toBe(0);
  });

  it('each unit runs as its caller again, even after the unit before it switched roles', async () => {
    const [escalated, next] = await Promise.allSettled([
      run(alpha, async (tx) => {
        // As the ledger does to write its audit event.
        await tx.query(`select set_config('role', 'service_role', true)`);
        return writeEvent(tx, 'beta');
      }),
      run(alpha, (tx) => writeEvent(tx, 'beta')),
    ]);
    expect(escalated.status).toBe('fulfilled');
    expect(next.status).toBe('rejected');
    expect((next as PromiseRejectedResult).reason).toMatchObject({ code: '42501' });
  });

  it('a unit that throws its own error fails alone too, and a later unit sees the effects of those before it', async () => {
    const service = serviceIdentity('units-test');
    const marker = `seen-${Math.random()}`;
    const settled = await Promise.allSettled([
      run(service, async (tx) => {
        await tx.query(`insert into oasis_events (source, kind, title) values ('units-test', 'k', $1)`, [marker]);
        return 'wrote';
      }),
      run(service, async () => {
        throw new Error('the unit itself failed');
      }),
      run(service, async (tx) => Number((await tx.query<{ n: number }>(`select count(*)::int as n from oasis_events where title = $1`, [marker])).rows[0]!.n)),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[2] as PromiseFulfilledResult<number>).value).toBe(1);
  });

  it('a unit whose budget runs out mid-batch is rolled back (WriteTimeoutError); the rest of its batch commits', async () => {
    const service = serviceIdentity('units-test');
    let slowId = 0;
    // Submitted together: one batch. The slow unit writes, then outlasts its budget: on PostgreSQL the
    // database stops it (its statement timeout), on the embedded one the batch sees the budget gone
    // before its COMMIT and rolls back. Either way the other unit runs again and commits alone.
    const [slow, quick] = await Promise.allSettled([
      transactions.run(
        service,
        async (tx) => {
          slowId = (await writeEvent(tx, 'system')).id;
          await tx.query('select pg_sleep(0.6)');
          return slowId;
        },
        300,
      ),
      transactions.run(service, (tx) => writeEvent(tx, 'system'), 30_000),
    ]);
    expect(slow.status).toBe('rejected');
    expect((slow as PromiseRejectedResult).reason).toBeInstanceOf(WriteTimeoutError);
    expect(quick.status).toBe('fulfilled');
    const quickId = (quick as PromiseFulfilledResult<{ id: number }>).value.id;
    expect(await count([quickId])).toBe(1);
    expect(await count([slowId])).toBe(0);
  });

  it('a batch that loses a deadlock runs again as it was, and its units hear nothing of it', async () => {
    let attempts = 0;
    const service = serviceIdentity('units-test');
    const result = await run(service, async (tx) => {
      attempts += 1;
      if (attempts === 1) throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
      return writeEvent(tx, 'system');
    });
    expect(attempts).toBe(2);
    expect(await count([result.id])).toBe(1);
  });
});
