import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, HAS_PG, stallEventWrites, type TestDatabase } from '../helpers/db.js';
import { acknowledgedKeys, ingest, missingFrom, send, storedKeys, untilDatabaseQuiet, type WriteAnswer } from '../helpers/load.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process.js';
import { serviceToken } from '../helpers/tokens.js';

/**
 * Issue 12 #11: SIGTERM under load with every write stuck behind a lock. The process must be gone
 * within SHUTDOWN_GRACE_MS (Cloud Run kills it 10 s after SIGTERM), and nothing whose client was
 * not told "stored" may commit afterwards: once the lock is released, the rows are exactly the
 * acknowledged writes. Webhook-budget-sized budgets would end the stuck writes by themselves, so
 * the budget here outlasts the grace: the shutdown alone must end them.
 */

const GRACE_MS = 2_000;
// What the process may take beyond the grace: the tsx wrapper relaying the signal and exiting.
const EXIT_BOUND_MS = 1_500;
const SOURCE = 'shutdown-load';

let gateway: GatewayProcess | undefined;
let database: TestDatabase | undefined;
afterEach(async () => {
  await gateway?.stop('SIGKILL');
  await database?.drop();
  gateway = undefined;
  database = undefined;
});

async function stuckWriters(db: TestDatabase['db']): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
  );
  return rows[0]!.n;
}

describe.skipIf(!HAS_PG)('SIGTERM under load (PostgreSQL, production mode)', () => {
  it('exits within the grace with writes stuck on a lock; afterwards exactly the acknowledged writes are stored', async () => {
    database = await createTestDatabase('pg');
    gateway = await spawnGateway({
      env: {
        NODE_ENV: 'production',
        DATABASE_URL: database.url!,
        SHUTDOWN_GRACE_MS: String(GRACE_MS),
        GITHUB_WEBHOOK_STORE_TIMEOUT_MS: '30000',
      },
    });
    const token = await serviceToken();
    const url = gateway.url;

    // Before the lock: acknowledged and stored.
    const before = await Promise.all(Array.from({ length: 10 }, (_, i) => ingest(url, token, SOURCE, `before-${i}`)));
    expect(before.every((answer) => answer.status === 201)).toBe(true);

    const stall = await stallEventWrites(database);
    let released = false;
    try {
      // Events, task creates and first heartbeats: each writes an OASIS event, so each is stuck.
      const load: Promise<WriteAnswer>[] = [
        ...Array.from({ length: 30 }, (_, i) => ingest(url, token, SOURCE, `stuck-${i}`)),
        ...Array.from({ length: 5 }, (_, i) => send(`${url}/vtid/create`, token, `task-${i}`, { taskFamily: SOURCE, taskType: 'load', description: `task-${i}` })),
        ...Array.from({ length: 5 }, (_, i) => send(`${url}/api/v1/agents/heartbeat`, token, `agent-${i}`, { agent: `${SOURCE}-agent-${i}`, vtid: 'IDLE', intervalMs: 60_000 })),
      ];

      await expect.poll(() => stuckWriters(database!.db), { timeout: 10_000, interval: 50 }).toBeGreaterThanOrEqual(2);

      const signalled = Date.now();
      gateway.child.kill('SIGTERM');
      const exitedInTime = await Promise.race([gateway.exited.then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), GRACE_MS + EXIT_BOUND_MS))]);
      const tookMs = Date.now() - signalled;

      // Now let whatever is still in the database go on: a write the shutdown did not end commits now.
      await stall.release();
      released = true;
      const answers = await Promise.all(load);
      await gateway.exited;
      await untilDatabaseQuiet(database.db);

      expect(exitedInTime, `exited ${tookMs} ms after SIGTERM; ${JSON.stringify(gateway.logs.slice(-12))}`).toBe(true);
      expect(await gateway.exited).toBe(0);
      const messages = gateway.logs.map((line) => line.message);
      expect(messages).toEqual(expect.arrayContaining(['signal received', 'shutdown complete']));

      // Every answer that came is JSON (503 with a code), none claims a stored write.
      for (const answer of answers) {
        if (answer.status === null) continue;
        expect(answer.status, JSON.stringify(answer)).toBe(503);
        expect(answer.body).toMatchObject({ ok: false, error: { code: expect.stringMatching(/^(store_outcome_unknown|database_unavailable|store_timeout)$/) } });
      }
      const ingests = answers.slice(0, 30);
      const acknowledged = acknowledgedKeys([...before, ...ingests]);
      const stored = await storedKeys(database.db, SOURCE);
      expect(missingFrom(acknowledged, stored)).toEqual([]);
      expect(missingFrom(stored, acknowledged)).toEqual([]);
      // Nor did any stuck task or agent land.
      expect((await database.db.query(`select 1 from "VtidLedger" where "taskFamily" = $1`, [SOURCE])).rowCount).toBe(0);
      expect((await database.db.query(`select 1 from oasis_agents where agent like $1`, [`${SOURCE}-agent-%`])).rowCount).toBe(0);
    } finally {
      if (!released) await stall.release();
    }
  });
});
