import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEARTBEAT_MAX_BYTES } from '../../runtime/agents/agents.routes.js';
import { checkContract } from '../helpers/contract.js';
import { HAS_PG } from '../helpers/db.js';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { openSse, type SseClient } from '../helpers/sse.js';
import { TEST_WEBHOOK_SECRET, userToken } from '../helpers/tokens.js';
import type { JsonSchema } from './bounds.js';
import { createCases, heartbeatCases, ingestCases, patchCases, webhookCases, type CorpusContext, type HostileRequest } from './corpus.js';
import { Prng } from './prng.js';

/**
 * The hostile corpus (issue 12): more than 1,000 generated requests for each write endpoint, from a
 * fixed seed (HOSTILE_SEED replays another), sent over loopback by a pool of concurrent clients. Every
 * answer must be a 2xx, or a 4xx with the JSON error body; never a 5xx, never a hang, always a status
 * and body the OpenAPI document lists. Rows are counted around each endpoint's run: refused requests
 * wrote nothing, and accepted ones wrote exactly what their answer acknowledged.
 */

const SEED = Number(process.env.HOSTILE_SEED ?? 0x12c0de);
const PER_ENDPOINT = 1_100;
const CONCURRENCY = 12;
const ANSWER_TIMEOUT_MS = 15_000;
const WEBHOOK_MAX_BYTES = 256 * 1024;
const INGEST_MAX_BYTES = 64 * 1024;

interface Answer {
  request: HostileRequest;
  status: number;
  body: Record<string, unknown> | null;
  problem?: string;
}

type Row = Record<string, unknown>;

async function send(gw: TestGateway, request: HostileRequest): Promise<Answer> {
  const url = gw.url + request.path;
  let response: Response;
  try {
    const body = typeof request.body === 'string' ? request.body : new Uint8Array(request.body);
    response = await fetch(url, { method: request.method, headers: request.headers, body, signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS) });
  } catch (error) {
    return { request, status: 0, body: null, problem: `no answer (${(error as Error).name}: ${(error as Error).message})` };
  }
  let problem: string | undefined;
  try {
    await checkContract(request.method, url, response);
  } catch (error) {
    problem = (error as Error).message.slice(0, 300);
  }
  const text = await response.text();
  let body: Record<string, unknown> | null = null;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    problem ??= `not JSON: ${text.slice(0, 100)}`;
  }
  const error = body?.error as { code?: unknown; message?: unknown } | undefined;
  if (response.status >= 500) problem ??= `${response.status} ${text.slice(0, 200)}`;
  else if (response.status >= 400 && !(body?.ok === false && typeof error?.code === 'string' && typeof error.message === 'string')) problem ??= `error body not in the error shape: ${text.slice(0, 200)}`;
  else if (response.status < 300 && body?.ok !== true) problem ??= `success without ok: true: ${text.slice(0, 200)}`;
  else if (response.status < 200 || (response.status >= 300 && response.status < 400)) problem ??= `status ${response.status}`;
  return { request, status: response.status, body, problem };
}

async function runPool(gw: TestGateway, requests: readonly HostileRequest[]): Promise<Answer[]> {
  const answers: Answer[] = new Array(requests.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < requests.length) {
        const index = next++;
        answers[index] = await send(gw, requests[index]!);
      }
    }),
  );
  return answers;
}

/** Every answer that breaks the rules, as "label -> problem" lines (empty when all is well). */
function problems(answers: readonly Answer[]): string[] {
  return answers.filter((a) => a.problem).map((a) => `${a.request.label.slice(0, 160)} -> ${a.problem}`);
}

const count = async (gw: TestGateway, sql: string, params: unknown[] = []) => Number((await gw.db.query<{ n: number }>(sql, params)).rows[0]!.n);
const countEvents = (gw: TestGateway) => count(gw, 'select count(*)::int as n from oasis_events');

/** How the answers were spread (status and code), for the failure message. */
function spread(answers: readonly Answer[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of answers) {
    const key = `${a.status} ${(a.body?.error as { code?: string } | undefined)?.code ?? ''}`.trim();
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

/** For a failure message: how the answers were spread, and what the gateway logged as errors. */
function diagnosis(gw: TestGateway, answers: readonly Answer[]): string {
  const errors = new Set(gw.logs.filter((line) => line.severity === 'ERROR').map((line) => String((line.error as { message?: unknown } | undefined)?.message ?? line.message).slice(0, 200)));
  return `answers: ${JSON.stringify(spread(answers))}; errors logged: ${JSON.stringify([...errors])}`;
}

describe(`the hostile corpus: ${PER_ENDPOINT} generated requests per write endpoint (seed ${SEED})`, () => {
  let gw: TestGateway;
  let feed: SseClient;
  let base: Omit<CorpusContext, 'rng'>;
  const context = (salt: number): CorpusContext => ({ ...base, rng: new Prng(SEED + salt) });

  beforeAll(async () => {
    gw = await startTestGateway({
      backend: HAS_PG ? 'pg' : 'pglite',
      env: {
        GITHUB_WEBHOOK_MAX_BYTES: String(WEBHOOK_MAX_BYTES),
        INGEST_MAX_BYTES: String(INGEST_MAX_BYTES),
        // The feed client below must see every event: room for all of them, however fast they come.
        FEED_CLIENT_BUFFER: '100000',
        // No agent.offline events of the gateway's own while rows are counted.
        AGENT_OFFLINE_CHECK_MS: '3600000',
      },
    });
    feed = await openSse(`${gw.url}/api/v1/devhub/feed`, { token: gw.serviceToken });
    expect(feed.status).toBe(200);
    const document = (await (await fetch(`${gw.url}/openapi.json`)).json()) as {
      components: { schemas: Record<string, JsonSchema> };
      paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string; schema: JsonSchema }> }>>;
    };
    const existing = await gw.db.query<{ vtid: string }>(
      `insert into "VtidLedger" ("taskFamily", "taskType", description, tenant) values ('corpus', 'parent', 'an existing parent', 'system') returning vtid`,
    );
    base = {
      components: document.components.schemas,
      webhookHeaders: (document.paths['/webhooks/github']!.post!.parameters ?? []).filter((p) => p.in === 'header'),
      serviceToken: gw.serviceToken,
      users: [
        { token: await userToken({ tenant: 'acme' }), tenant: 'acme' },
        { token: await userToken({ tenant: 'beta', tenantInAppMetadata: true }), tenant: 'beta' },
      ],
      webhookSecret: TEST_WEBHOOK_SECRET,
      limits: { webhookMaxBytes: WEBHOOK_MAX_BYTES, ingestMaxBytes: INGEST_MAX_BYTES, heartbeatMaxBytes: HEARTBEAT_MAX_BYTES },
      existingTask: existing.rows[0]!.vtid,
    };
  }, 60_000);
  afterAll(async () => {
    feed?.close();
    await gw?.close();
  });

  /** Sends an endpoint's corpus (at least 1,000 requests) and checks every answer. */
  async function run(requests: HostileRequest[]): Promise<Answer[]> {
    expect(requests.length).toBeGreaterThanOrEqual(1_000);
    const answers = await runPool(gw, requests);
    expect(problems(answers), diagnosis(gw, answers)).toEqual([]);
    return answers;
  }

  /** Rows by their `key` column, from a query with one array parameter. */
  async function rowsBy(key: string, sql: string, values: unknown[]): Promise<Map<unknown, Row>> {
    const { rows } = await gw.db.query<Row>(sql, [values]);
    return new Map(rows.map((row) => [key === 'id' ? Number(row.id) : row[key], row]));
  }

  it('POST /webhooks/github: signed, unsigned and badly signed, mutated GitHub payloads; each acknowledged delivery stored once', async () => {
    const requests = webhookCases(context(1), PER_ENDPOINT);
    const before = await countEvents(gw);
    const answers = await run(requests);

    const acks = answers.filter((a) => a.status === 200);
    const stored = acks.filter((a) => a.body!.duplicate === false);
    expect(new Set(stored.map((a) => a.body!.id)).size).toBe(stored.length);
    expect((await countEvents(gw)) - before, JSON.stringify(spread(answers))).toBe(stored.length);
    // Each acknowledged id is the row of that delivery (a redelivery answers the original's id).
    const rows = await rowsBy('id', 'select id, external_id, kind from oasis_events where id = any($1::bigint[])', acks.map((a) => a.body!.id));
    for (const ack of acks) {
      const row = rows.get(Number(ack.body!.id));
      expect(row, ack.request.label).toBeDefined();
      expect(row!.external_id, ack.request.label).toBe(ack.request.deliveryId!.trim());
      if (ack.body!.duplicate === false) expect(row!.kind, ack.request.label).toBe(ack.request.event!.trim());
    }
    // The corpus reaches every outcome: stored, repeated, refused for the signature and for the body.
    expect(stored.length).toBeGreaterThan(200);
    expect(answers.some((a) => a.status === 401)).toBe(true);
    expect(answers.some((a) => a.status === 400)).toBe(true);
  });

  it('POST /events/ingest: every field hostile or at its bounds; each 201 is one row with what was sent', async () => {
    const requests = ingestCases(context(2), PER_ENDPOINT);
    const before = await countEvents(gw);
    const answers = await run(requests);

    const created = answers.filter((a) => a.status === 201);
    expect(new Set(created.map((a) => a.body!.id)).size).toBe(created.length);
    expect((await countEvents(gw)) - before, JSON.stringify(spread(answers))).toBe(created.length);
    const rows = await rowsBy(
      'id',
      'select id, source, kind, external_id from oasis_events where id = any($1::bigint[])',
      answers.filter((a) => a.status < 300).map((a) => a.body!.id),
    );
    for (const answer of answers.filter((a) => a.status < 300)) {
      const sent = answer.request.sent!;
      const row = rows.get(Number(answer.body!.id));
      expect(row, answer.request.label).toBeDefined();
      expect([row!.source, row!.external_id], answer.request.label).toEqual([sent.source ?? sent.service, sent.externalId ?? null]);
      if (answer.status === 201) expect(row!.kind, answer.request.label).toBe(sent.kind ?? sent.event);
    }
    expect(created.length).toBeGreaterThan(200);
  });

  it('POST /vtid/create: each 201 is one ledger task and its vtid.created event, as answered', async () => {
    const requests = createCases(context(3), PER_ENDPOINT);
    const [tasksBefore, eventsBefore] = [await count(gw, 'select count(*)::int as n from "VtidLedger"'), await countEvents(gw)];
    const answers = await run(requests);

    const created = answers.filter((a) => a.status === 201);
    expect((await count(gw, 'select count(*)::int as n from "VtidLedger"')) - tasksBefore, JSON.stringify(spread(answers))).toBe(created.length);
    expect((await countEvents(gw)) - eventsBefore).toBe(created.length);
    const tasks = await rowsBy('vtid', 'select vtid, "taskFamily", "taskType", description, "parentVtid" from "VtidLedger" where vtid = any($1::text[])', created.map((a) => a.body!.vtid));
    for (const answer of created) {
      const data = answer.body!.data as Row;
      expect(tasks.get(answer.body!.vtid), answer.request.label).toMatchObject({ taskFamily: data.taskFamily, taskType: data.taskType, description: data.description, parentVtid: data.parentVtid });
    }
    expect(await count(gw, `select count(*)::int as n from oasis_events where kind = 'vtid.created' and vtid = any($1::text[])`, [created.map((a) => a.body!.vtid)])).toBe(created.length);
    expect(created.length).toBeGreaterThan(200);
  });

  it('PATCH /vtid/{vtid}: each request on a task of its own; a refusal leaves it untouched, an answer is what is stored', async () => {
    // One fresh task per request that aims at one, so each outcome can be checked on its own.
    const { rows: fresh } = await gw.db.query<{ vtid: string }>(
      `insert into "VtidLedger" ("taskFamily", "taskType", description, tenant)
       select 'corpus', 'patch-target', 'patch target', case when g % 3 = 0 then 'acme' else 'system' end from generate_series(1, ${PER_ENDPOINT + 200}) g
       returning vtid`,
    );
    let used = 0;
    const requests = patchCases(context(4), PER_ENDPOINT, () => fresh[used++]!.vtid);
    const eventsBefore = await countEvents(gw);
    const answers = await run(requests);

    const targets = answers.filter((a) => a.request.target);
    const stored = await rowsBy('vtid', 'select vtid, status, "assignedTo", description, metadata from "VtidLedger" where vtid = any($1::text[])', targets.map((a) => a.request.target));
    const updates = new Map(
      (
        await gw.db.query<{ vtid: string; n: number }>(
          `select vtid, count(*)::int as n from oasis_events where kind in ('vtid.updated', 'vtid.status_changed') and vtid = any($1::text[]) group by vtid`,
          [targets.map((a) => a.request.target)],
        )
      ).rows.map((r) => [r.vtid, Number(r.n)]),
    );
    const untouched = { status: 'pending', assignedTo: null, description: 'patch target', metadata: {} };
    let expectedEvents = 0;
    for (const answer of targets) {
      const row = stored.get(answer.request.target)!;
      const fields = { status: row.status, assignedTo: row.assignedTo, description: row.description, metadata: row.metadata };
      if (answer.status !== 200) {
        expect(fields, answer.request.label).toEqual(untouched);
        expect(updates.get(answer.request.target!) ?? 0, answer.request.label).toBe(0);
        continue;
      }
      const data = answer.body!.data as Row;
      expect(fields, answer.request.label).toEqual({ status: data.status, assignedTo: data.assignedTo, description: data.description, metadata: data.metadata });
      const changed = JSON.stringify(fields) !== JSON.stringify(untouched) ? 1 : 0;
      expect(updates.get(answer.request.target!) ?? 0, answer.request.label).toBe(changed);
      expectedEvents += changed;
    }
    // Crafted ids name no task: never a 200, and nothing written for them.
    expect(answers.filter((a) => !a.request.target && a.status < 300).map((a) => a.request.label)).toEqual([]);
    expect((await countEvents(gw)) - eventsBefore).toBe(expectedEvents);
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThan(200);
  });

  it('POST /api/v1/agents/heartbeat: each accepted beat is its agent row; events only where the answer names one', async () => {
    const requests = heartbeatCases(context(5), PER_ENDPOINT);
    const [agentsBefore, eventsBefore] = [await count(gw, 'select count(*)::int as n from oasis_agents'), await countEvents(gw)];
    const answers = await run(requests);

    const accepted = answers.filter((a) => a.status === 200);
    const eventIds = accepted.map((a) => a.body!.eventId).filter((id) => id !== null);
    expect((await countEvents(gw)) - eventsBefore).toBe(eventIds.length);
    expect(await count(gw, 'select count(*)::int as n from oasis_events where id = any($1::bigint[])', [eventIds])).toBe(eventIds.length);
    const names = new Set(accepted.map((a) => (a.body!.data as Row).agent as string));
    expect((await count(gw, 'select count(*)::int as n from oasis_agents')) - agentsBefore).toBe(names.size);
    const agents = new Map((await gw.db.query<Row>('select agent, vtid, status from oasis_agents')).rows.map((r) => [r.agent, r]));
    for (const answer of answers) {
      const own = answer.request.sent?.agent;
      const generated = typeof own === 'string' && /^corpus-agent-\d+$/.test(own);
      if (answer.status === 200) expect(agents.get((answer.body!.data as Row).agent), answer.request.label).toBeDefined();
      // A refused beat under a name only it used registered nothing.
      else if (generated) expect(agents.get(own), answer.request.label).toBeUndefined();
    }
    expect(accepted.length).toBeGreaterThan(200);
  });

  it('everything the corpus stored is served back: query pages (with payloads), the live feed (each event once), the ledger list, the agents panel', async () => {
    const stored = (await gw.db.query<{ id: number }>('select id from oasis_events order by id desc')).rows.map((r) => Number(r.id));
    expect(stored.length).toBeGreaterThan(2_000);
    const seen: number[] = [];
    let cursor: number | null = null;
    do {
      const res = await gw.request(`/api/v1/oasis/events?include=payload&limit=1000${cursor === null ? '' : `&before=${cursor}`}`);
      expect(res.status).toBe(200);
      const page = await json(res);
      seen.push(...page.data.map((e: { id: number }) => e.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual(stored);

    // The feed sends in commit order (txid, id), not id order: wait for the count, then compare the sets.
    await feed.waitFor(() => feed.events().length >= stored.length, `${stored.length} events on the feed`, 30_000);
    const delivered = feed.events().map((e) => e.id);
    expect(new Set(delivered).size).toBe(delivered.length);
    expect([...delivered].sort((a, b) => b - a)).toEqual(stored);

    let tasks = 0;
    let before: number | null = null;
    do {
      const res = await gw.request(`/vtid/list?limit=1000${before === null ? '' : `&before=${before}`}`);
      expect(res.status).toBe(200);
      const page = await json(res);
      tasks += page.data.length;
      before = page.nextCursor;
    } while (before !== null);
    expect(tasks).toBe(await count(gw, 'select count(*)::int as n from "VtidLedger"'));
    const agents = await gw.request('/api/v1/agents');
    expect(agents.status).toBe(200);
    expect((await json(agents)).data).toHaveLength(await count(gw, 'select count(*)::int as n from oasis_agents'));
  });
});
