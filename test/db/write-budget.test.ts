import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, stallEventWrites, type TestDatabase } from '../helpers/db.js';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { counts, createTask, newTask, patchTask } from '../ledger/ledger.helpers.js';

/**
 * Issue 12 #11: ledger writes and heartbeats have the webhook's time budget, as ingest does. Every one
 * of them writes an OASIS event, so a lock on the event table stalls them all: each is answered 503
 * store_timeout within the budget, and nothing of it commits when the lock goes away.
 */

const BUDGET_MS = 500;
// Past this the test releases the lock itself: a write without a budget then completes (and fails the test).
const WATCHDOG_MS = 5_000;

describe.each(BACKENDS)('ledger and heartbeat writes within the budget on %s', (backend) => {
  let database: TestDatabase;
  let gw: TestGateway;
  beforeAll(async () => {
    database = await createTestDatabase(backend);
    gw = await startTestGateway({ database, env: { GITHUB_WEBHOOK_STORE_TIMEOUT_MS: String(BUDGET_MS) } });
  });
  afterAll(async () => {
    await gw.close();
    await database.drop().catch(() => {});
  });

  /** Sends `write` while event writes are stalled; its answer, and the lock released afterwards. */
  async function underLock(write: () => Promise<Response>): Promise<{ status: number; body: Record<string, any> }> {
    const stall = await stallEventWrites(database);
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      await stall.release();
    };
    const watchdog = setTimeout(() => void release(), WATCHDOG_MS);
    try {
      const res = await write();
      return { status: res.status, body: await json(res) };
    } finally {
      clearTimeout(watchdog);
      await release();
    }
  }

  /** Any write after the lock went away has waited for it as the stalled one would have. */
  const afterTheLock = () => newTask(gw, { description: 'after the lock' });

  it('POST /vtid/create: 503 store_timeout, no task and no number burned', async () => {
    const before = await counts(gw.db);
    const answer = await underLock(() => createTask(gw, { taskFamily: 'budget', taskType: 'unit', description: 'stalled create' }));
    expect(answer.status).toBe(503);
    expect(answer.body.error).toMatchObject({ code: 'store_timeout', message: expect.stringMatching(/nothing was stored/) });
    await afterTheLock();
    const after = await counts(gw.db);
    // Only the task created after the lock: the stalled one rolled back, with its counter bump.
    expect(after.ledger - before.ledger).toBe(1);
    expect(after.issued - before.issued).toBe(1);
    expect((await gw.db.query(`select 1 from "VtidLedger" where description = 'stalled create'`)).rowCount).toBe(0);
  });

  it('PATCH /vtid/:vtid: 503 store_timeout, the task unchanged', async () => {
    const vtid = await newTask(gw, { description: 'to move' });
    const answer = await underLock(() => patchTask(gw, vtid, { status: 'active' }));
    expect(answer.status).toBe(503);
    expect(answer.body.error.code).toBe('store_timeout');
    await afterTheLock();
    const { rows } = await gw.db.query<{ status: string }>(`select status from "VtidLedger" where vtid = $1`, [vtid]);
    expect(rows[0]!.status).toBe('pending');
  });

  it('POST /api/v1/agents/heartbeat: 503 store_timeout, the agent not registered', async () => {
    const answer = await underLock(() =>
      gw.request('/api/v1/agents/heartbeat', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ agent: 'budget-agent', vtid: 'IDLE', intervalMs: 60_000 }),
      }),
    );
    expect(answer.status).toBe(503);
    expect(answer.body.error.code).toBe('store_timeout');
    await afterTheLock();
    expect((await gw.db.query(`select 1 from oasis_agents where agent = 'budget-agent'`)).rowCount).toBe(0);
  });
});
