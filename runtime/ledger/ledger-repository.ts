import type { QueryResult, Queryable, Statement } from '../core/database.js';
import type { NewEvent } from '../events/new-event.js';
import { insertEventsOutcomes, insertEventsStatement, storedEventId } from '../events/repository.js';
import type { LedgerEntry } from './schema.js';
import type { LedgerStatus } from './transitions.js';
import type { LedgerEditable } from './update-plan.js';

/**
 * All SQL of the VTID ledger. Every statement is parameterized. Callers run these inside asRole, so
 * the row-level-security policies of policies/002_vtid_ledger.sql decide what each caller may touch.
 */

interface LedgerRow {
  id: number | string;
  vtid: string;
  taskFamily: string;
  taskType: string;
  description: string;
  status: LedgerStatus;
  assignedTo: string | null;
  tenant: string;
  parentVtid: string | null;
  metadata: Record<string, unknown> | null;
  createdAt: Date | string;
  updatedAt: Date | string;
}

const COLUMNS = `id, vtid, "taskFamily", "taskType", description, status, "assignedTo", tenant, "parentVtid", metadata, "createdAt", "updatedAt"`;

function toEntry(row: LedgerRow): LedgerEntry {
  return {
    id: Number(row.id),
    vtid: row.vtid,
    taskFamily: row.taskFamily,
    taskType: row.taskType,
    description: row.description,
    status: row.status,
    assignedTo: row.assignedTo,
    tenant: row.tenant,
    parentVtid: row.parentVtid,
    metadata: row.metadata ?? {},
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

/** A task about to be registered; its vtid is assigned by the database. */
export interface NewLedgerEntry {
  taskFamily: string;
  taskType: string;
  description: string;
  tenant: string;
  parentVtid: string | null;
  assignedTo: string | null;
  metadata: Record<string, unknown>;
  /** Its UTC year becomes the VTID's year (the insert trigger numbers within it). */
  createdAt: string;
}

/**
 * The statement that registers several tasks at once, in the given order: the insert trigger numbers
 * each row in turn (one counter bump per row, one lock for the whole batch). Read its result with
 * readInsertedEntries. A refused row (the insert policy) fails the whole statement.
 */
export function insertLedgerEntriesStatement(entries: readonly NewLedgerEntry[]): Statement {
  const rows = entries.map((entry, ord) => ({ ord, ...entry }));
  return {
    sql: `insert into public."VtidLedger"
            ("taskFamily", "taskType", description, tenant, "parentVtid", "assignedTo", metadata, "createdAt")
          select "taskFamily", "taskType", description, tenant, "parentVtid", "assignedTo", metadata, "createdAt"
            from jsonb_to_recordset($1::jsonb) as r(
                   ord int, "taskFamily" text, "taskType" text, description text, tenant text, "parentVtid" text,
                   "assignedTo" text, metadata jsonb, "createdAt" timestamptz)
           order by ord
          returning ${COLUMNS}`,
    params: [JSON.stringify(rows)],
  };
}

/**
 * The rows of insertLedgerEntriesStatement, in input order. PostgreSQL returns the rows of an
 * INSERT … SELECT … ORDER BY in the order it inserted them, and the trigger numbered them in that
 * order; both are checked rather than assumed.
 */
export function readInsertedEntries(result: QueryResult<Record<string, unknown>>, count: number): LedgerEntry[] {
  const entries = (result.rows as unknown as LedgerRow[]).map(toEntry);
  const inOrder = entries.every((entry, i) => i === 0 || entry.id > entries[i - 1]!.id);
  if (entries.length !== count || !inOrder) throw new Error(`ledger batch insert returned ${entries.length} rows out of order or for ${count} tasks`);
  return entries;
}

/** Which of `vtids` exist (every caller may read every row). */
export async function existingVtids(db: Queryable, vtids: readonly string[]): Promise<Set<string>> {
  if (vtids.length === 0) return new Set();
  const { rows } = await db.query<{ vtid: string }>(`select vtid from public."VtidLedger" where vtid in (select jsonb_array_elements_text($1::jsonb))`, [
    JSON.stringify(vtids),
  ]);
  return new Set(rows.map((row) => row.vtid));
}

/** Every caller may read every row, so this also tells "missing" from "not yours". */
export async function findLedgerEntry(db: Queryable, vtid: string): Promise<LedgerEntry | null> {
  const { rows } = await db.query<LedgerRow>(`select ${COLUMNS} from public."VtidLedger" where vtid = $1`, [vtid]);
  return rows[0] ? toEntry(rows[0]) : null;
}

/**
 * Locks the row for the rest of the transaction, so a concurrent PATCH waits and then sees this
 * one's result (transitions and metadata merges never interleave). Returns null when the row does
 * not exist or the caller's UPDATE policy does not reach it (another tenant, not an admin).
 */
export async function lockLedgerEntry(tx: Queryable, vtid: string): Promise<LedgerEntry | null> {
  const { rows } = await tx.query<LedgerRow>(`select ${COLUMNS} from public."VtidLedger" where vtid = $1 for update`, [vtid]);
  return rows[0] ? toEntry(rows[0]) : null;
}

export async function updateLedgerEntry(tx: Queryable, vtid: string, fields: LedgerEditable): Promise<LedgerEntry> {
  const { rows } = await tx.query<LedgerRow>(
    `update public."VtidLedger"
        set status = $2, "assignedTo" = $3, description = $4, metadata = $5::jsonb
      where vtid = $1
      returning ${COLUMNS}`,
    [vtid, fields.status, fields.assignedTo, fields.description, JSON.stringify(fields.metadata)],
  );
  const row = rows[0];
  // The row was locked by lockLedgerEntry in this transaction; it cannot have gone.
  if (!row) throw new Error(`ledger row ${vtid} vanished while locked`);
  return toEntry(row);
}

export interface LedgerFilters {
  taskFamily?: string;
  status?: LedgerStatus;
  tenant?: string;
  parentVtid?: string;
  /** Keyset: only ids below this. */
  before?: number;
}

/** Newest first (by id, the insertion order). */
export async function listLedgerEntries(db: Queryable, filters: LedgerFilters, limit: number): Promise<LedgerEntry[]> {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const add = (template: (placeholder: string) => string, value: unknown) => {
    params.push(value);
    conditions.push(template(`$${params.length}`));
  };
  if (filters.taskFamily !== undefined) add((p) => `"taskFamily" = ${p}`, filters.taskFamily);
  if (filters.status !== undefined) add((p) => `status = ${p}`, filters.status);
  if (filters.tenant !== undefined) add((p) => `tenant = ${p}`, filters.tenant);
  if (filters.parentVtid !== undefined) add((p) => `"parentVtid" = ${p}`, filters.parentVtid);
  if (filters.before !== undefined) add((p) => `id < ${p}`, filters.before);
  params.push(limit);
  const where = conditions.length ? `where ${conditions.join(' and ')}` : '';
  const { rows } = await db.query<LedgerRow>(
    `select ${COLUMNS} from public."VtidLedger" ${where} order by id desc limit $${params.length}`,
    params,
  );
  return rows.map(toEntry);
}

/** Direct subtasks, oldest first; at most `limit`. */
export async function listChildren(db: Queryable, parentVtid: string, limit: number): Promise<LedgerEntry[]> {
  const { rows } = await db.query<LedgerRow>(
    `select ${COLUMNS} from public."VtidLedger" where "parentVtid" = $1 order by id asc limit $2`,
    [parentVtid, limit],
  );
  return rows.map(toEntry);
}

/** The last sequence number handed out in `year` (0 when none). */
export async function lastSequenceOfYear(db: Queryable, year: number): Promise<number> {
  const { rows } = await db.query<{ last: number | string }>(`select last from public."VtidLedgerCounter" where year = $1`, [year]);
  return rows[0] ? Number(rows[0].last) : 0;
}

/**
 * Records a ledger change on the OASIS event stream, in the transaction of the change. The caller's
 * right to the change was already decided by the ledger's policies; the event is the system's audit
 * record of it, written as service_role, because it belongs to the row's tenant, which an admin
 * updating another tenant's task could not write as itself. The caller cannot shape it (its content
 * comes from the committed row), and it is the transaction's last statement.
 */
export async function recordLedgerEvent(tx: Queryable, event: NewEvent): Promise<number> {
  const [id] = await recordLedgerEvents(tx, [event]);
  return id!;
}

/** recordLedgerEvent for several changes at once: one statement. */
export async function recordLedgerEvents(tx: Queryable, events: readonly NewEvent[]): Promise<number[]> {
  // Not awaited: on PostgreSQL the role switch goes out with the insert (pipelining); a failure of
  // it fails the insert too (the transaction is aborted).
  const switched = tx.query(`select set_config('role', 'service_role', true)`);
  switched.catch(() => {});
  const { sql, params } = insertEventsStatement(events);
  const inserted = await tx.query(sql, params);
  await switched;
  // Ledger events carry no externalId, so they can never be a duplicate.
  const outcomes = insertEventsOutcomes(events, inserted);
  return outcomes.map((outcome) => {
    const id = storedEventId(outcome);
    if (id === null) throw new Error('ledger event was not stored');
    return id;
  });
}
