import type { Queryable } from '../../runtime/core/database.js';
import type { LedgerStatus } from '../../runtime/ledger/transitions.js';
import { json, type TestGateway } from '../helpers/gateway.js';

/** Requests, row counts and the expected status moves shared by the VTID ledger tests. */

/** The moves the ledger allows, written out here on their own (not read from the code under test). */
export const ALLOWED_MOVES: ReadonlyArray<[LedgerStatus, LedgerStatus]> = [
  ['pending', 'active'],
  ['pending', 'cancelled'],
  ['active', 'complete'],
  ['active', 'blocked'],
  ['active', 'cancelled'],
  ['blocked', 'active'],
  ['blocked', 'cancelled'],
];

export const jsonHeaders = { 'content-type': 'application/json' };

export function createTask(gw: TestGateway, body: unknown, token?: string | null): Promise<Response> {
  return gw.request('/vtid/create', { method: 'POST', token, headers: jsonHeaders, body: JSON.stringify(body) });
}

export function patchTask(gw: TestGateway, vtid: string, body: unknown, token?: string | null): Promise<Response> {
  return gw.request(`/vtid/${vtid}`, { method: 'PATCH', token, headers: jsonHeaders, body: JSON.stringify(body) });
}

/** Creates a task and returns its vtid (fails the test on anything but 201). */
export async function newTask(gw: TestGateway, body: Record<string, unknown> = {}, token?: string | null): Promise<string> {
  const res = await createTask(gw, { taskFamily: 'test', taskType: 'unit', description: 'a task', ...body }, token);
  const out = await json(res);
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(out)}`);
  return out.vtid as string;
}

export interface Counts {
  ledger: number;
  events: number;
  /** Sum of all years' counters: a burned number would show here. */
  issued: number;
}

export async function counts(db: Queryable): Promise<Counts> {
  const { rows } = await db.query<Counts>(
    `select (select count(*)::int from "VtidLedger") as ledger,
            (select count(*)::int from oasis_events where source = 'vtid-ledger') as events,
            (select coalesce(sum(last), 0)::int from "VtidLedgerCounter") as issued`,
  );
  return rows[0]!;
}

export interface LedgerEventRow {
  kind: string;
  vtid: string;
  tenant: string;
  actor: string;
  status: string;
  metadata: Record<string, unknown>;
}

export async function ledgerEvents(db: Queryable, vtid: string): Promise<LedgerEventRow[]> {
  const { rows } = await db.query<LedgerEventRow>(
    `select kind, vtid, tenant, actor, status, metadata from oasis_events where source = 'vtid-ledger' and vtid = $1 order by id`,
    [vtid],
  );
  return rows;
}

/** A clock the test can move. */
export function movableClock(start: string): { clock: () => Date; set(iso: string): void } {
  let now = new Date(start);
  return { clock: () => now, set: (iso) => (now = new Date(iso)) };
}
