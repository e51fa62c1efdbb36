import type { Queryable } from '../db/types.js';
import type { NewEvent } from './new-event.js';
import type { EventStatus, OasisEvent } from './schema.js';

/** All SQL of the OASIS event table. Every statement is parameterized. */

// Serializes event inserts so that ids become visible in increasing order: the feed reads "rows with
// id > last seen", which would skip a lower id committing after a higher one. One lock, held to
// commit, costs a few hundred microseconds per event; our volume is far below what it allows.
const EVENT_ORDER_LOCK = 7_031_2027;

interface EventRow {
  id: number;
  ts: Date;
  vtid: string;
  source: string;
  kind: string;
  status: EventStatus;
  layer: string | null;
  module: string | null;
  title: string | null;
  repo: string | null;
  ref: string | null;
  sha: string | null;
  actor: string | null;
  url: string | null;
  external_id: string | null;
  tenant: string;
  metadata: Record<string, unknown>;
  payload?: unknown;
}

const COLUMNS = 'id, ts, vtid, source, kind, status, layer, module, title, repo, ref, sha, actor, url, external_id, tenant, metadata';

function toEvent(row: EventRow, includePayload: boolean): OasisEvent {
  const event: OasisEvent = {
    id: Number(row.id),
    ts: new Date(row.ts).toISOString(),
    vtid: row.vtid,
    source: row.source,
    kind: row.kind,
    status: row.status,
    layer: row.layer,
    module: row.module,
    title: row.title,
    repo: row.repo,
    ref: row.ref,
    sha: row.sha,
    actor: row.actor,
    url: row.url,
    externalId: row.external_id,
    tenant: row.tenant,
    metadata: row.metadata ?? {},
  };
  if (includePayload) event.payload = row.payload ?? null;
  return event;
}

export type InsertOutcome = { id: number; duplicate: false } | { id: number; duplicate: true } | { id: null; duplicate: true };

/**
 * Inserts an event, or finds the one already stored under the same (source, external id).
 * `{ id: null, duplicate: true }` means the clash is with a row the caller cannot see (another tenant).
 * Run inside a transaction (asRole): the ordering lock is released at commit.
 */
export async function insertEvent(tx: Queryable, event: NewEvent): Promise<InsertOutcome> {
  await tx.query('select pg_advisory_xact_lock($1)', [EVENT_ORDER_LOCK]);
  const inserted = await tx.query<{ id: number }>(
    `insert into public.oasis_events
       (ts, vtid, source, kind, status, layer, module, title, repo, ref, sha, actor, url, external_id, tenant, metadata, payload)
     values (coalesce($1::timestamptz, now()), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16::jsonb, $17::jsonb)
     on conflict (source, external_id) do nothing
     returning id`,
    [
      event.ts ?? null,
      event.vtid,
      event.source,
      event.kind,
      event.status,
      event.layer ?? null,
      event.module ?? null,
      event.title ?? null,
      event.repo ?? null,
      event.ref ?? null,
      event.sha ?? null,
      event.actor ?? null,
      event.url ?? null,
      event.externalId ?? null,
      event.tenant,
      JSON.stringify(event.metadata),
      event.payload === undefined ? null : JSON.stringify(event.payload),
    ],
  );
  const row = inserted.rows[0];
  if (row) return { id: Number(row.id), duplicate: false };
  const existing = await tx.query<{ id: number }>('select id from public.oasis_events where source = $1 and external_id = $2', [
    event.source,
    event.externalId ?? null,
  ]);
  const found = existing.rows[0];
  return found ? { id: Number(found.id), duplicate: true } : { id: null, duplicate: true };
}

export interface EventFilters {
  vtid?: string;
  source?: string;
  kind?: string;
  status?: EventStatus;
  layer?: string;
  module?: string;
  since?: string;
  until?: string;
  /** Keyset: only ids below this. */
  before?: number;
  /** Feed: only ids above this. */
  after?: number;
}

function whereClause(filters: EventFilters): { sql: string; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const add = (template: (placeholder: string) => string, value: unknown) => {
    params.push(value);
    conditions.push(template(`$${params.length}`));
  };
  if (filters.vtid !== undefined) add((p) => `vtid = ${p}`, filters.vtid);
  if (filters.source !== undefined) add((p) => `source = ${p}`, filters.source);
  if (filters.kind !== undefined) add((p) => `kind = ${p}`, filters.kind);
  if (filters.status !== undefined) add((p) => `status = ${p}`, filters.status);
  if (filters.layer !== undefined) add((p) => `layer = ${p}`, filters.layer);
  if (filters.module !== undefined) add((p) => `module = ${p}`, filters.module);
  if (filters.since !== undefined) add((p) => `ts >= ${p}::timestamptz`, filters.since);
  if (filters.until !== undefined) add((p) => `ts < ${p}::timestamptz`, filters.until);
  if (filters.before !== undefined) add((p) => `id < ${p}`, filters.before);
  if (filters.after !== undefined) add((p) => `id > ${p}`, filters.after);
  return { sql: conditions.length ? `where ${conditions.join(' and ')}` : '', params };
}

export interface ListOptions {
  limit: number;
  offset?: number;
  includePayload?: boolean;
}

/** The column filters; migrations/006 gives each an index led by that column. */
const COLUMN_FILTERS = ['vtid', 'source', 'kind', 'status', 'layer', 'module'] as const;

/**
 * Newest first (by id, the commit order).
 *
 * Ordered `id desc nulls last`: the same order as `id desc` (id is the NOT NULL primary key), but one
 * the primary key index cannot produce, so the planner never walks the whole table in id order
 * discarding rows until it has a page. Its row estimates assume matches are spread evenly over id; for
 * a combination that is rare, or only in old rows, that walk read the whole table. The indexes of
 * migrations/006 produce this order: one led by each column filter, checking the other filters inside
 * the index. A query without a column filter gets `created_at is not null` (always true), the
 * predicate of the one index meant for it.
 */
export async function listEvents(db: Queryable, filters: EventFilters, options: ListOptions): Promise<OasisEvent[]> {
  const where = whereClause(filters);
  const params = [...where.params, options.limit, options.offset ?? 0];
  const columns = options.includePayload ? `${COLUMNS}, payload` : COLUMNS;
  const columnFiltered = COLUMN_FILTERS.some((key) => filters[key] !== undefined);
  const whereSql = columnFiltered ? where.sql : where.sql ? `${where.sql} and created_at is not null` : 'where created_at is not null';
  const { rows } = await db.query<EventRow>(
    `select ${columns} from public.oasis_events ${whereSql} order by id desc nulls last limit $${params.length - 1} offset $${params.length}`,
    params,
  );
  return rows.map((row) => toEvent(row, options.includePayload ?? false));
}

/** Oldest first from a cursor: the feed's replay and catch-up. */
export async function listEventsAfter(db: Queryable, filters: EventFilters & { after: number }, limit: number): Promise<OasisEvent[]> {
  const where = whereClause(filters);
  const params = [...where.params, limit];
  const { rows } = await db.query<EventRow>(`select ${COLUMNS} from public.oasis_events ${where.sql} order by id asc limit $${params.length}`, params);
  return rows.map((row) => toEvent(row, false));
}

export async function latestEventId(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ id: number | null }>('select max(id) as id from public.oasis_events');
  return Number(rows[0]?.id ?? 0);
}
