import type { QueryResult, Queryable, Statement } from '../core/database.js';
import type { NewEvent } from './new-event.js';
import { parseTxid, type FeedPosition } from './position.js';
import type { EventStatus, OasisEvent } from './schema.js';

/**
 * All SQL of the OASIS event table. Every statement is parameterized. Writers take no lock: the feed
 * orders rows by the transaction that wrote them (txid, see migrations/005), not by commit order.
 */

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
  /** The writing transaction (xid8 as text): the feed's ordering key. Only read by the feed. */
  txid?: string;
}

const COLUMNS = 'id, ts, vtid, source, kind, status, layer, module, title, repo, ref, sha, actor, url, external_id, tenant, metadata';

/** An event's fields but its two JSON documents, in the order the API sends them. */
export type EventScalars = Omit<OasisEvent, 'metadata' | 'payload'>;

function toScalars(row: Omit<EventRow, 'metadata'>): EventScalars {
  return {
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
  };
}

function toEvent(row: EventRow, includePayload: boolean): OasisEvent {
  const event: OasisEvent = { ...toScalars(row), metadata: row.metadata ?? {} };
  if (includePayload) event.payload = row.payload ?? null;
  return event;
}

export type InsertOutcome =
  | { outcome: 'stored'; id: number }
  /** Already stored under the same (source, external id): the row's id. */
  | { outcome: 'duplicate'; id: number }
  /** The (source, external id) is taken by a row the caller cannot see (another tenant's); nothing was written. */
  | { outcome: 'taken' };

/** The id of the row that holds the event (new or already there), or null when the key is another tenant's. */
export function storedEventId(outcome: InsertOutcome): number | null {
  return outcome.outcome === 'taken' ? null : outcome.id;
}

/**
 * Inserts an event, or finds the one already stored under the same (source, external id).
 * `taken` means the clash is with a row the caller cannot see (another tenant).
 * Run inside a transaction (asRole) together with the change it records.
 */
export async function insertEvent(tx: Queryable, event: NewEvent): Promise<InsertOutcome> {
  const events = [event];
  const { sql, params } = insertEventsStatement(events);
  const inserted = await tx.query(sql, params);
  const repeats = repeatedKeysStatement(events, inserted);
  const existing = repeats ? await tx.query(repeats.sql, repeats.params) : undefined;
  return insertEventsOutcomes(events, inserted, existing)[0]!;
}

/** An event as one element of the batch's JSON array; absent keys become the columns' defaults. */
function batchRow(event: NewEvent, ord: number): Record<string, unknown> {
  return {
    ord,
    ts: event.ts ?? null,
    vtid: event.vtid,
    source: event.source,
    kind: event.kind,
    status: event.status,
    layer: event.layer ?? null,
    module: event.module ?? null,
    title: event.title ?? null,
    repo: event.repo ?? null,
    ref: event.ref ?? null,
    sha: event.sha ?? null,
    actor: event.actor ?? null,
    url: event.url ?? null,
    external_id: event.externalId ?? null,
    tenant: event.tenant,
    metadata: event.metadata,
    ...(event.payload === undefined || event.payloadJson !== undefined ? {} : { payload: event.payload }),
  };
}

/** The batch as one JSON array; a payload that came as storable JSON text is spliced in as it is. */
function batchJson(events: readonly NewEvent[]): string {
  const rows = events.map((event, ord) => {
    const row = JSON.stringify(batchRow(event, ord));
    return event.payloadJson === undefined ? row : `${row.slice(0, -1)},"payload":${event.payloadJson}}`;
  });
  return `[${rows.join(',')}]`;
}

/**
 * The statement that stores a batch of events: one multi-row INSERT, run as the caller (asRole or
 * batchAsRole). The events must have distinct (source, external id) pairs; the writer folds repeats.
 * Rows whose key is taken are skipped (ON CONFLICT DO NOTHING); repeatedKeysStatement finds them.
 *
 * The INSERT draws each row's id itself (OVERRIDING SYSTEM VALUE with the identity's own sequence),
 * so it can say which input row got which id; RETURNING alone cannot, for rows without an external id.
 */
export function insertEventsStatement(events: readonly NewEvent[]): Statement {
  return {
    sql: `with input as materialized (
            select nextval('public.oasis_events_id_seq') as id, r.*
              from (select * from jsonb_to_recordset($1::jsonb) as r(
                      ord int, ts timestamptz, vtid text, source text, kind text, status text, layer text, module text,
                      title text, repo text, ref text, sha text, actor text, url text, external_id text, tenant text,
                      metadata jsonb, payload jsonb)
                    order by ord) r
          ),
          inserted as (
            insert into public.oasis_events
              (id, ts, vtid, source, kind, status, layer, module, title, repo, ref, sha, actor, url, external_id, tenant, metadata, payload)
            overriding system value
            select id, coalesce(ts, now()), vtid, source, kind, status, layer, module, title, repo, ref, sha, actor, url, external_id,
                   tenant, coalesce(metadata, '{}'::jsonb), payload
              from input order by ord
            on conflict (source, external_id) do nothing
            returning id
          )
          select input.ord, input.id from input join inserted using (id)`,
    params: [batchJson(events)],
  };
}

/**
 * After insertEventsStatement: the look-up of the rows already stored under the keys it skipped
 * (repeats), or null when it stored every row. Run as the same caller; a key taken by a row the
 * caller cannot read (another tenant's) finds nothing. A fresh snapshot (its own statement, or after
 * the commit), so a row committed concurrently by another writer is found too.
 */
export function repeatedKeysStatement(events: readonly NewEvent[], inserted: QueryResult<Record<string, unknown>>): Statement | null {
  const stored = new Set(inserted.rows.map((row) => Number(row.ord)));
  const keys = events
    .filter((event, ord) => !stored.has(ord) && event.externalId != null)
    .map((event) => ({ source: event.source, externalId: event.externalId! }));
  return keys.length === 0 ? null : existingKeysStatement(keys);
}

/** An event's idempotency key: the unique (source, external id). */
export interface EventKey {
  source: string;
  externalId: string;
}

/**
 * The rows stored under any of `keys` (id, source, external_id), found through the unique index of
 * (source, external_id). Rows the caller cannot read (another tenant's) are not found.
 */
export function existingKeysStatement(keys: readonly EventKey[]): Statement {
  return {
    sql: `select e.id, e.source, e.external_id
            from jsonb_to_recordset($1::jsonb) as k(source text, external_id text)
            join public.oasis_events e on e.source = k.source and e.external_id = k.external_id`,
    params: [JSON.stringify(keys.map((key) => ({ source: key.source, external_id: key.externalId })))],
  };
}

const pairKey = (source: string, externalId: string): string => `${source}\u0000${externalId}`;

/** Reads the results of insertEventsStatement (and repeatedKeysStatement): one outcome per event, in order. */
export function insertEventsOutcomes(
  events: readonly NewEvent[],
  insertedResult: QueryResult<Record<string, unknown>>,
  repeatsResult?: QueryResult<Record<string, unknown>>,
): InsertOutcome[] {
  const inserted = new Map<number, number>();
  for (const row of insertedResult.rows) inserted.set(Number(row.ord), Number(row.id));
  const existing = new Map<string, number>();
  for (const row of repeatsResult?.rows ?? []) existing.set(pairKey(String(row.source), String(row.external_id)), Number(row.id));
  return events.map((event, ord): InsertOutcome => {
    const id = inserted.get(ord);
    if (id !== undefined) return { outcome: 'stored', id };
    // Not inserted: the key was taken. By a row this caller can read, or by another tenant's.
    const found = event.externalId != null ? existing.get(pairKey(event.source, event.externalId)) : undefined;
    return found !== undefined ? { outcome: 'duplicate', id: found } : { outcome: 'taken' };
  });
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
  const { sql, params } = listEventsStatement(filters, options);
  return readEvents(await db.query(sql, params), options);
}

/** listEvents as a statement, for batchAsRole (the role and the read in one round trip). */
export function listEventsStatement(filters: EventFilters, options: ListOptions): Statement {
  const where = whereClause(filters);
  const params = [...where.params, options.limit, options.offset ?? 0];
  const columns = options.includePayload ? `${COLUMNS}, payload` : COLUMNS;
  const columnFiltered = COLUMN_FILTERS.some((key) => filters[key] !== undefined);
  const whereSql = columnFiltered ? where.sql : where.sql ? `${where.sql} and created_at is not null` : 'where created_at is not null';
  return {
    sql: `select ${columns} from public.oasis_events ${whereSql} order by id desc nulls last limit $${params.length - 1} offset $${params.length}`,
    params,
  };
}

export function readEvents(result: QueryResult<Record<string, unknown>>, options: Pick<ListOptions, 'includePayload'>): OasisEvent[] {
  return (result.rows as unknown as EventRow[]).map((row) => toEvent(row, options.includePayload ?? false));
}

/**
 * A row of a page as the query API sends it: its fields, and its metadata and payload as the
 * database's own JSON text, spliced into the answer as they are (never parsed and serialized again: no
 * cost for a large payload, and no stack limit for a deep one, since JSON.stringify recurses).
 * `fits` is false for the row that would take the page past its byte cap; its JSON is then left out.
 */
export interface PageRow {
  fields: EventScalars;
  metadataJson: string | null;
  payloadJson: string | null;
  fits: boolean;
}

// Bytes of a row's JSON besides its text columns and documents (the keys, id, ts, punctuation), at
// least: the estimate below stays under the exact count, which the caller makes (events/page.ts).
const ROW_OVERHEAD_BYTES = 192;

/**
 * listEventsStatement, bounded by size: the same rows in the same order, but only as many as fit in
 * about `maxBytes` of JSON, plus the first that does not (marked, without its documents) so the
 * caller knows the page was cut. The first row always comes whole, however large. Sizes are counted in
 * the database, so rows past the cap are never sent to the gateway. The page's rows are kept once (the
 * CTE, holding large documents as TOAST pointers); each document is rendered as text to be measured,
 * and again only for the rows that are sent.
 */
export function eventPageStatement(filters: EventFilters, options: ListOptions, maxBytes: number): Statement {
  const inner = listEventsStatement(filters, options);
  const payload = (table: string) => (options.includePayload ? `${table}.payload::text` : 'null::text');
  const innerParams = inner.params ?? [];
  const cap = `$${innerParams.length + 1}`;
  return {
    sql: `with e as materialized (${inner.sql}),
          sized as (
            select id, sum(row_bytes) over w - row_bytes as bytes_before, sum(row_bytes) over w as bytes_through
              from (select id, ${ROW_OVERHEAD_BYTES} + octet_length(e.metadata::text) + coalesce(octet_length(${payload('e')}), 0)
                               + octet_length(concat(vtid, source, kind, status, layer, module, title, repo, ref, sha, actor, url, external_id, tenant))
                               as row_bytes
                      from e) r
            window w as (order by id desc rows between unbounded preceding and current row)
          )
          select e.id, e.ts, e.vtid, e.source, e.kind, e.status, e.layer, e.module, e.title, e.repo, e.ref, e.sha, e.actor, e.url,
                 e.external_id, e.tenant, page.fits,
                 case when page.fits then e.metadata::text end as metadata_json,
                 case when page.fits then ${payload('e')} end as payload_json
            from e
            join (select id, (bytes_through <= ${cap} or bytes_before = 0) as fits from sized where bytes_before <= ${cap}) page using (id)
           order by e.id desc`,
    params: [...innerParams, maxBytes],
  };
}

export function readEventPage(result: QueryResult<Record<string, unknown>>): PageRow[] {
  return (result.rows as unknown as Array<Omit<EventRow, 'metadata'> & { metadata_json: string | null; payload_json: string | null; fits: boolean }>).map((row) => ({
    fields: toScalars(row),
    metadataJson: row.metadata_json,
    payloadJson: row.payload_json,
    fits: row.fits,
  }));
}

/** The filters the live feed offers (a subset of the query API's). */
export type FeedFilters = Pick<EventFilters, 'vtid' | 'source' | 'kind' | 'status'>;

export interface FeedEntry {
  position: FeedPosition;
  event: OasisEvent;
}

export interface FeedPage {
  /** In feed order, all after the requested position. */
  entries: FeedEntry[];
  /**
   * The snapshot's horizon (see FEED_HORIZON_SQL): every transaction below it that could write here
   * had ended, so the page holds every matching row up to it (up to the limit). A transaction at or
   * above it may still add rows.
   */
  horizon: number;
}

/**
 * The feed's horizon in this statement's snapshot: the oldest transaction still open that could
 * write to this table, or the snapshot's xmax when there is none. Every transaction below it has
 * ended (its rows are visible, or never will be), so rows below it can be read in (txid, id) order
 * and no row can ever appear behind them.
 *
 * Transaction ids are counted for the whole server, but a transaction of a backend connected to
 * another database cannot write here: those are left out, so a long load or migration elsewhere on
 * the server (another project's database, a test suite's) does not hold this feed back. Anything
 * not positively identified as another database's (a prepared transaction, one that ended since the
 * snapshot) still counts; pg_stat_activity shows every session's database and xid to any role.
 */
const FEED_HORIZON_SQL = `(
  select coalesce(min(open.xid), max(pg_snapshot_xmax(snap.s)))
    from (select pg_current_snapshot() as s) snap
    left join lateral (
      select x as xid from pg_snapshot_xip(snap.s) as x
       where not exists (
         select 1 from pg_stat_activity a
          where a.datid is distinct from (select oid from pg_database where datname = current_database())
            and a.backend_xid::text::bigint = x::text::bigint % 4294967296)
    ) open on true)`;

/**
 * The feed's read: matching rows after `after` in (txid, id) order, only of transactions below the
 * horizon (rows of transactions still open, or that committed after an older one that is still
 * open, wait for the next read). One statement, so the horizon and the rows come from the same
 * snapshot. Run as the reader (batchAsRole): row-level security decides what it returns.
 */
export function feedPageStatement(filters: FeedFilters, after: FeedPosition, limit: number): Statement {
  const where = whereClause(filters);
  const offset = where.params.length;
  const conditions = [`(e.txid, e.id) > ($${offset + 1}::text::xid8, $${offset + 2}::bigint)`, 'e.txid < h.horizon'];
  if (where.sql) conditions.push(where.sql.replace(/^where /, ''));
  return {
    sql: `select h.horizon::text as horizon, e.*
            from (select ${FEED_HORIZON_SQL} as horizon) h
            left join lateral (
              select ${COLUMNS}, txid::text as txid from public.oasis_events e
               where ${conditions.join(' and ')}
               order by e.txid, e.id
               limit $${offset + 3}
            ) e on true`,
    params: [...where.params, String(after.txid), after.id, limit],
  };
}

export function readFeedPage(result: QueryResult<Record<string, unknown>>): FeedPage {
  const rows = result.rows as unknown as Array<EventRow & { horizon: string }>;
  const entries: FeedEntry[] = [];
  for (const row of rows) {
    if (row.id === null || row.id === undefined) continue;
    entries.push({ position: { txid: parseTxid(row.txid!), id: Number(row.id) }, event: toEvent(row, false) });
  }
  return { entries, horizon: parseTxid(rows[0]!.horizon) };
}

/** The feed position of event `id`, or null when no such event exists (as far as the caller can see). */
export async function feedPositionOf(db: Queryable, id: number): Promise<FeedPosition | null> {
  const { rows } = await db.query<{ txid: string }>('select txid::text as txid from public.oasis_events where id = $1', [id]);
  return rows[0] ? { txid: parseTxid(rows[0].txid), id } : null;
}

/** The newest position the feed may stand at now: the last row of an ended transaction, or before every row. */
export async function latestFeedPosition(db: Queryable): Promise<FeedPosition | null> {
  const { rows } = await db.query<{ txid: string; id: number }>(
    `select txid::text as txid, id from public.oasis_events
      where txid < ${FEED_HORIZON_SQL}
      order by txid desc, id desc limit 1`,
  );
  return rows[0] ? { txid: parseTxid(rows[0].txid), id: Number(rows[0].id) } : null;
}
