import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectOfflineAgents } from '../../runtime/agents/offline-detector.js';
import { BACKENDS, createTestDatabase, HAS_PG } from '../helpers/db.js';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { signToken, userToken } from '../helpers/tokens.js';

/** The agents API over real HTTP: validation, auth, tenancy, coalescing, offline detection, races. */

const T0 = new Date('2026-03-01T10:00:00.000Z');

function manualClock() {
  let now = T0.getTime();
  return { clock: () => new Date(now), advance: (ms: number) => (now += ms), now: () => new Date(now) };
}

const beat = (gw: TestGateway, body: unknown, token?: string | null) =>
  gw.request('/api/v1/agents/heartbeat', { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

async function agentEvents(gw: TestGateway, agent: string) {
  const { rows } = await gw.db.query<{ kind: string; vtid: string; status: string; tenant: string; ts: Date; metadata: Record<string, unknown> }>(
    `select kind, vtid, status, tenant, ts, metadata from oasis_events where source = 'agent.heartbeat' and actor = $1 order by id`,
    [agent],
  );
  return rows;
}

async function counts(gw: TestGateway) {
  const { rows } = await gw.db.query<{ agents: number; events: number }>(
    'select (select count(*)::int from oasis_agents) as agents, (select count(*)::int from oasis_events) as events',
  );
  return rows[0]!;
}

async function agentRow(gw: TestGateway, agent: string) {
  const { rows } = await gw.db.query<{ status: string; vtid: string; tenant: string; interval_ms: number; last_seen: Date; updated_at: Date }>(
    'select status, vtid, tenant, interval_ms, last_seen, updated_at from oasis_agents where agent = $1',
    [agent],
  );
  return rows[0];
}

/** Real-time polling for what the gateway's own background task does. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(BACKENDS)('agents API on %s', (backend) => {
  let gw: TestGateway;
  const time = manualClock();
  beforeAll(async () => {
    // The detector is slowed right down here: these tests move the clock by hand and check rows,
    // offline detection has its own gateway below.
    gw = await startTestGateway({ backend, clock: time.clock, env: { AGENT_OFFLINE_CHECK_MS: '3600000' } });
  });
  afterAll(() => gw.close());

  it('registers an agent on its first beat: 200, the panel row, one agent.online event', async () => {
    const res = await beat(gw, { agent: 'reg-1', vtid: 'IDLE', intervalMs: 60_000 });
    expect(res.status).toBe(200);
    const out = await json(res);
    expect(out).toEqual({ ok: true, data: { agent: 'reg-1', vtid: 'IDLE', status: 'idle', lastSeen: time.now().toISOString() }, eventId: expect.any(Number) });
    expect(await agentRow(gw, 'reg-1')).toMatchObject({ status: 'idle', vtid: 'IDLE', tenant: 'system', interval_ms: 60_000 });
    const events = await agentEvents(gw, 'reg-1');
    expect(events).toMatchObject([{ kind: 'agent.online', vtid: 'UNSET', status: 'info', tenant: 'system' }]);
    expect(new Date(events[0]!.ts).toISOString()).toBe(time.now().toISOString());
  });

  it('coalesces: an unchanged beat only refreshes lastSeen; each change writes exactly one event', async () => {
    const agent = 'coalesce-1';
    const send = async (body: Record<string, unknown>) => json(await beat(gw, { agent, intervalMs: 60_000, ...body }));
    const started = time.now();
    expect((await send({ vtid: 'IDLE' })).eventId).toEqual(expect.any(Number));
    const before = await counts(gw);
    for (let i = 0; i < 5; i++) {
      time.advance(60_000);
      const out = await send({ vtid: 'idle' });
      expect(out.eventId).toBeNull();
      expect(out.data.lastSeen).toBe(time.now().toISOString());
    }
    expect(await counts(gw)).toEqual(before);
    const row = await agentRow(gw, agent);
    expect(new Date(row!.last_seen).toISOString()).toBe(time.now().toISOString());
    expect(new Date(row!.updated_at).toISOString()).toBe(started.toISOString());

    time.advance(1_000);
    expect((await send({ vtid: 'vtid-2026-0101' })).data).toMatchObject({ status: 'online', vtid: 'VTID-2026-0101' });
    expect((await send({ vtid: 'VTID-2026-0101' })).eventId).toBeNull();
    expect((await send({ vtid: 'DEV-CICDL-0031' })).eventId).toEqual(expect.any(Number));
    expect((await send({ vtid: 'IDLE' })).data.status).toBe('idle');
    expect((await send({ vtid: 'IDLE', status: 'stopped' })).data.status).toBe('stopped');
    expect((await send({ vtid: 'IDLE', status: 'stopped' })).eventId).toBeNull();
    expect((await send({ vtid: 'VTID-2026-0102' })).data.status).toBe('online');
    expect((await agentEvents(gw, agent)).map((e) => [e.kind, e.vtid, e.status])).toEqual([
      ['agent.online', 'UNSET', 'info'],
      ['agent.task_changed', 'VTID-2026-0101', 'in_progress'],
      ['agent.task_changed', 'DEV-CICDL-0031', 'in_progress'],
      ['agent.idle', 'DEV-CICDL-0031', 'info'],
      ['agent.stopped', 'UNSET', 'info'],
      ['agent.online', 'VTID-2026-0102', 'in_progress'],
    ]);
  });

  it('status and intervalMs default to online and 60 s', async () => {
    const out = await json(await beat(gw, { agent: 'defaults-1', vtid: 'VTID-2026-0005' }));
    expect(out.data).toMatchObject({ status: 'online', vtid: 'VTID-2026-0005' });
    expect((await agentRow(gw, 'defaults-1'))!.interval_ms).toBe(60_000);
  });

  it('GET /api/v1/agents answers the panel shape, by name', async () => {
    await beat(gw, { agent: 'list-b', vtid: 'VTID-2026-0201', intervalMs: 5_000 });
    await beat(gw, { agent: 'list-a', vtid: 'IDLE', intervalMs: 5_000 });
    const res = await gw.request('/api/v1/agents');
    expect(res.status).toBe(200);
    const out = await json(res);
    expect(Object.keys(out).sort()).toEqual(['data', 'ok']);
    expect(out.ok).toBe(true);
    const names = out.data.map((a: { agent: string }) => a.agent);
    expect(names).toEqual([...names].sort());
    for (const agent of out.data) expect(Object.keys(agent).sort()).toEqual(['agent', 'lastSeen', 'status', 'vtid']);
    expect(out.data.find((a: { agent: string }) => a.agent === 'list-b')).toEqual({
      agent: 'list-b',
      vtid: 'VTID-2026-0201',
      status: 'online',
      lastSeen: time.now().toISOString(),
    });
    // Browsers' EventSource/poller style: the token in the query string works for reads.
    const viaQuery = await gw.request(`/api/v1/agents?access_token=${gw.serviceToken}`, { token: null });
    expect(viaQuery.status).toBe(200);
  });

  describe('rejects bad bodies with 400 naming the field, writing nothing', () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['missing agent', { vtid: 'IDLE' }, /agent/],
      ['missing vtid', { agent: 'bad-1' }, /vtid/],
      ['agent with spaces', { agent: 'my agent', vtid: 'IDLE' }, /agent/],
      ['agent too long', { agent: 'a'.repeat(101), vtid: 'IDLE' }, /agent/],
      ['malformed vtid', { agent: 'bad-1', vtid: 'VTID-2026-1' }, /vtid/],
      ['UNSET is not a task', { agent: 'bad-1', vtid: 'UNSET' }, /vtid/],
      ['agents cannot say offline', { agent: 'bad-1', vtid: 'IDLE', status: 'offline' }, /status/],
      ['interval too short', { agent: 'bad-1', vtid: 'IDLE', intervalMs: 10 }, /intervalMs/],
      ['interval as a string', { agent: 'bad-1', vtid: 'IDLE', intervalMs: '60000' }, /intervalMs/],
      ['unknown field', { agent: 'bad-1', vtid: 'IDLE', colour: 'red' }, /colour/],
      ['not an object', [1, 2], /expected object/i],
    ];
    it.each(cases)('%s', async (_name, body, message) => {
      const before = await counts(gw);
      const res = await beat(gw, body);
      expect(res.status).toBe(400);
      const out = await json(res);
      expect(out).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
      expect(out.error.message).toMatch(message);
      expect(await counts(gw)).toEqual(before);
    });

    it('a body that is not application/json -> 415, a body over 16 KiB -> 413', async () => {
      const before = await counts(gw);
      const plain = await gw.request('/api/v1/agents/heartbeat', {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ agent: 'bad-1', vtid: 'IDLE' }),
      });
      expect(plain.status).toBe(415);
      expect((await json(plain)).error.code).toBe('unsupported_media_type');
      const big = await beat(gw, { agent: 'bad-1', vtid: 'IDLE', tenant: 'x'.repeat(17 * 1024) });
      expect(big.status).toBe(413);
      expect((await json(big)).error.code).toBe('payload_too_large');
      expect(await counts(gw)).toEqual(before);
    });

    it('non-JSON body', async () => {
      const before = await counts(gw);
      const res = await beat(gw, '{"agent": ');
      expect(res.status).toBe(400);
      expect((await json(res)).error.code).toBe('invalid_json');
      expect(await counts(gw)).toEqual(before);
    });
  });

  describe('authentication', () => {
    it.each([
      ['no token', null, 'unauthenticated'],
      ['not a JWT', 'not-a-jwt', 'invalid_token'],
    ] as const)('POST with %s -> 401, nothing written', async (_name, token, code) => {
      const before = await counts(gw);
      const res = await beat(gw, { agent: 'auth-1', vtid: 'IDLE' }, token);
      expect(res.status).toBe(401);
      expect(await json(res)).toEqual({ ok: false, error: { code, message: expect.any(String) } });
      expect(await counts(gw)).toEqual(before);
    });

    it('POST with a token signed by another secret or expired -> 401', async () => {
      const before = await counts(gw);
      const foreign = await signToken({ role: 'service_role' }, 'another-secret-another-secret-another-secret');
      expect((await beat(gw, { agent: 'auth-1', vtid: 'IDLE' }, foreign)).status).toBe(401);
      const expired = await signToken({ role: 'service_role', exp: Math.floor(Date.now() / 1000) - 60 });
      expect((await beat(gw, { agent: 'auth-1', vtid: 'IDLE' }, expired)).status).toBe(401);
      expect(await counts(gw)).toEqual(before);
    });

    it('GET without a token -> 401 (public read is off)', async () => {
      const res = await gw.request('/api/v1/agents', { token: null });
      expect(res.status).toBe(401);
      expect((await json(res)).error.code).toBe('unauthenticated');
    });
  });

  describe('tenancy', () => {
    it('an authenticated caller registers agents in its own tenant, and its events too', async () => {
      const token = await userToken({ tenant: 'tenant-a' });
      const res = await beat(gw, { agent: 'tenant-a-agent', vtid: 'VTID-2026-0301' }, token);
      expect(res.status).toBe(200);
      expect((await agentRow(gw, 'tenant-a-agent'))!.tenant).toBe('tenant-a');
      expect((await agentEvents(gw, 'tenant-a-agent')).map((e) => e.tenant)).toEqual(['tenant-a']);
    });

    it('naming another tenant -> 403 wrong_tenant, nothing written', async () => {
      const before = await counts(gw);
      const res = await beat(gw, { agent: 'cross-1', vtid: 'IDLE', tenant: 'tenant-b' }, await userToken({ tenant: 'tenant-a' }));
      expect(res.status).toBe(403);
      expect((await json(res)).error.code).toBe('wrong_tenant');
      expect(await counts(gw)).toEqual(before);
    });

    it('a user without a tenant cannot register agents -> 403', async () => {
      const before = await counts(gw);
      const res = await beat(gw, { agent: 'no-tenant-1', vtid: 'IDLE' }, await userToken({}));
      expect(res.status).toBe(403);
      expect(await counts(gw)).toEqual(before);
    });

    it('another tenant’s agent name -> 409, its row and events untouched', async () => {
      await beat(gw, { agent: 'owned-by-b', vtid: 'VTID-2026-0401' }, await userToken({ tenant: 'tenant-b' }));
      const rowBefore = await agentRow(gw, 'owned-by-b');
      const before = await counts(gw);
      const asA = await beat(gw, { agent: 'owned-by-b', vtid: 'IDLE' }, await userToken({ tenant: 'tenant-a' }));
      expect(asA.status).toBe(409);
      expect((await json(asA)).error.code).toBe('agent_tenant_conflict');
      // A service caller without a tenant speaks for `system`, not for tenant-b.
      const asService = await beat(gw, { agent: 'owned-by-b', vtid: 'IDLE', status: 'stopped' });
      expect(asService.status).toBe(409);
      expect(await counts(gw)).toEqual(before);
      expect(await agentRow(gw, 'owned-by-b')).toEqual(rowBefore);
      // Naming the tenant, the service role may speak for it.
      expect((await beat(gw, { agent: 'owned-by-b', vtid: 'IDLE', tenant: 'tenant-b' })).status).toBe(200);
    });

    it('GET shows a user only its own tenant’s agents; the service role sees all', async () => {
      await beat(gw, { agent: 'seen-by-a', vtid: 'IDLE' }, await userToken({ tenant: 'tenant-a' }));
      await beat(gw, { agent: 'seen-by-b', vtid: 'IDLE' }, await userToken({ tenant: 'tenant-b' }));
      const names = async (token?: string) => (await json(await gw.request('/api/v1/agents', { token }))).data.map((a: { agent: string }) => a.agent);
      const forA = await names(await userToken({ tenant: 'tenant-a' }));
      expect(forA).toContain('seen-by-a');
      expect(forA).not.toContain('seen-by-b');
      expect(forA).not.toContain('reg-1');
      expect(await names()).toEqual(expect.arrayContaining(['seen-by-a', 'seen-by-b', 'reg-1']));
    });
  });

  it('concurrent first beats of one agent register it once, with one event', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => beat(gw, { agent: 'race-1', vtid: 'VTID-2026-0501' })));
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect((await agentEvents(gw, 'race-1')).map((e) => e.kind)).toEqual(['agent.online']);
    const { rows } = await gw.db.query(`select count(*)::int as n from oasis_agents where agent = 'race-1'`);
    expect(rows[0]).toEqual({ n: 1 });
  });

  it('concurrent offline passes (every instance runs one) write one event per agent', async () => {
    await beat(gw, { agent: 'detect-race-1', vtid: 'IDLE', intervalMs: 1_000 });
    await beat(gw, { agent: 'detect-race-2', vtid: 'VTID-2026-0601', intervalMs: 1_000 });
    const at = new Date(time.now().getTime() + 3_001);
    const passes = await Promise.all(Array.from({ length: 4 }, () => detectOfflineAgents(gw.db, at)));
    const marked = passes.flat().map((a) => a.agent);
    expect(marked.filter((a) => a === 'detect-race-1')).toHaveLength(1);
    expect(marked.filter((a) => a === 'detect-race-2')).toHaveLength(1);
    expect((await agentEvents(gw, 'detect-race-1')).map((e) => e.kind)).toEqual(['agent.online', 'agent.offline']);
    expect((await agentEvents(gw, 'detect-race-2')).map((e) => [e.kind, e.vtid, e.status])).toEqual([
      ['agent.online', 'VTID-2026-0601', 'in_progress'],
      ['agent.offline', 'VTID-2026-0601', 'failure'],
    ]);
  });
});

describe.each(BACKENDS)('offline detection by the background task on %s', (backend) => {
  let gw: TestGateway;
  const time = manualClock();
  beforeAll(async () => {
    gw = await startTestGateway({ backend, clock: time.clock, env: { AGENT_OFFLINE_CHECK_MS: '100' } });
  });
  afterAll(() => gw.close());

  it('reports an agent silent for three intervals offline once, and back online when it beats again', async () => {
    await beat(gw, { agent: 'quiet-1', vtid: 'VTID-2026-0701', intervalMs: 10_000 });
    await beat(gw, { agent: 'stopped-1', vtid: 'IDLE', intervalMs: 10_000, status: 'stopped' });

    time.advance(30_000); // exactly three intervals: not yet
    await sleep(400);
    expect((await agentRow(gw, 'quiet-1'))!.status).toBe('online');

    time.advance(1);
    await eventually(async () => (await agentRow(gw, 'quiet-1'))!.status === 'offline');
    await sleep(400); // several more passes
    const events = await agentEvents(gw, 'quiet-1');
    expect(events.map((e) => [e.kind, e.vtid, e.status])).toEqual([
      ['agent.online', 'VTID-2026-0701', 'in_progress'],
      ['agent.offline', 'VTID-2026-0701', 'failure'],
    ]);
    expect(new Date(events[1]!.ts).toISOString()).toBe(time.now().toISOString());
    const panel = (await json(await gw.request('/api/v1/agents'))).data;
    expect(panel.find((a: { agent: string }) => a.agent === 'quiet-1')).toMatchObject({ status: 'offline', vtid: 'VTID-2026-0701' });
    expect(gw.logs.filter((l) => l.message === 'agent offline' && l.agent === 'quiet-1')).toHaveLength(1);

    // A stopped agent said goodbye: silence is expected, never "offline".
    expect((await agentRow(gw, 'stopped-1'))!.status).toBe('stopped');

    const back = await json(await beat(gw, { agent: 'quiet-1', vtid: 'VTID-2026-0701', intervalMs: 10_000 }));
    expect(back.data.status).toBe('online');
    const after = await agentEvents(gw, 'quiet-1');
    expect(after.map((e) => e.kind)).toEqual(['agent.online', 'agent.offline', 'agent.online']);
    expect(after[2]!.metadata).toMatchObject({ previousStatus: 'offline' });
  });
});

describe.runIf(HAS_PG)('two gateway instances on one PostgreSQL database', () => {
  it('coalesce beats arriving at both, and detect offline once between them', async () => {
    const database = await createTestDatabase('pg');
    const time = manualClock();
    const env = { AGENT_OFFLINE_CHECK_MS: '100' };
    const first = await startTestGateway({ database, clock: time.clock, env });
    const second = await startTestGateway({ database, clock: time.clock, env });
    try {
      const instances = [first, second];
      // 20 beats of one agent, alternating instances, 10 at a time in parallel.
      for (let round = 0; round < 2; round++) {
        await Promise.all(Array.from({ length: 10 }, (_, i) => beat(instances[i % 2]!, { agent: 'multi-1', vtid: 'VTID-2026-0801', intervalMs: 5_000 })));
        time.advance(1_000);
      }
      expect((await agentEvents(first, 'multi-1')).map((e) => e.kind)).toEqual(['agent.online']);
      time.advance(20_000);
      await eventually(async () => (await agentRow(first, 'multi-1'))!.status === 'offline');
      await sleep(400);
      expect((await agentEvents(first, 'multi-1')).map((e) => e.kind)).toEqual(['agent.online', 'agent.offline']);
    } finally {
      await first.close();
      await second.close();
      await database.drop();
    }
  });
});
