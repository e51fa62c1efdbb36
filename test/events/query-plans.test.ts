import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asRole } from '../../runtime/db/as-role.js';
import { migrate, readMigrationFiles } from '../../runtime/db/migrate.js';
import { createPgDatabase } from '../../runtime/db/pg.js';
import type { Database, DbIdentity } from '../../runtime/core/database.js';
import { DEFAULT_PAGE_MAX_BYTES } from '../../runtime/events/page.js';
import { eventPageStatement, listEventsStatement, type EventFilters } from '../../runtime/events/repository.js';
import { silentLogger } from '../../runtime/core/log.js';
import { projectRoot } from '../../runtime/core/project-root.js';
import { DATASET_START, insertRowsSql, RARE, vtidOfRow } from '../../scripts/query-plans/dataset.js';
import { createPgDatabaseUrl, HAS_PG } from '../helpers/db.js';
import { serviceIdentity } from '../../runtime/core/caller.js';

/**
 * The plans of GET /api/v1/oasis/events on real PostgreSQL, with the synthetic correlated data set of
 * scripts/query-plans/dataset.ts (rare combinations of common values, all in old rows). Asserts plan
 * properties, not timings: no walk of the table in id order (no primary key or sequential scan), no row
 * read from the table only to be filtered out, and a bound on the blocks read. With the indexes of
 * 001 alone, the rare combinations walk the primary key and read the whole table (see docs/QUERY_PLANS.md).
 */

const ROWS = 200_000;
const day = (d: number) => new Date(Date.parse(DATASET_START) + d * 86_400_000).toISOString();
const acme: DbIdentity = { role: 'authenticated', claims: { role: 'authenticated', sub: '00000000-0000-4000-8000-0000000000a1', tenant: 'acme' } };
const umbrella: DbIdentity = { role: 'authenticated', claims: { role: 'authenticated', sub: '00000000-0000-4000-8000-0000000000a2', tenant: 'umbrella' } };
const service = serviceIdentity('events-query-plans-test');

// The table has ~5,700 blocks at 200,000 rows; the walk this guards against reads all of them.
// Budgets are blocks beyond one table block per row returned (measured: up to ~60 and ~1,200).
const EXACT = 100; // an index range that holds (nearly) only the rows returned
const BOUNDED = 2_000; // at most the index range of one common filter value, read without touching the table

const SHAPES: Array<{ name: string; filters: EventFilters; as?: DbIdentity; limit?: number; blocks: number }> = [
  { name: 'no filter', filters: {}, blocks: EXACT },
  { name: 'vtid', filters: { vtid: vtidOfRow(ROWS - 200) }, blocks: EXACT },
  { name: 'status+source, common', filters: { status: 'success', source: 'github.actions' }, blocks: EXACT },
  { name: 'status+source, rare and old', filters: { ...RARE.failedActions.filters }, blocks: EXACT },
  { name: 'status+source, rare, limit 1000', filters: { ...RARE.failedActions.filters }, limit: 1000, blocks: EXACT },
  { name: 'status+source, rare, as a tenant', filters: { ...RARE.failedActions.filters }, as: acme, blocks: EXACT },
  { name: 'keyset before, deep, rare', filters: { ...RARE.failedActions.filters, before: ROWS / 10 }, blocks: EXACT },
  { name: 'keyset before, deep, source', filters: { source: 'github.actions', before: ROWS / 10 }, blocks: EXACT },
  { name: 'since/until one day + source', filters: { source: 'gcp.cloudrun', since: day(60), until: day(61) }, blocks: BOUNDED },
  { name: 'a source that stopped', filters: { source: 'github.push' }, blocks: EXACT },
  { name: 'kind+module, rare and old', filters: { ...RARE.deployLedger.filters }, blocks: BOUNDED },
  { name: 'layer+status, rare and old', filters: { ...RARE.infraCancelled.filters }, blocks: BOUNDED },
  { name: 'vtid+status, rare and old', filters: { ...RARE.unsetSuccess.filters }, blocks: BOUNDED },
  { name: 'source+kind that never occur together', filters: { source: 'github.actions', kind: 'deploy' }, blocks: BOUNDED },
  { name: '3 filters, rare', filters: { source: 'gcp.cloudrun', kind: 'deploy', module: 'LEDGER' }, blocks: BOUNDED },
  { name: 'kind+module, rare, as a tenant', filters: { ...RARE.deployLedger.filters }, as: acme, blocks: BOUNDED },
  { name: 'a source the tenant stopped using', filters: { source: 'github.actions' }, as: umbrella, blocks: BOUNDED },
  { name: 'until alone', filters: { until: day(30) }, blocks: BOUNDED },
];

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Rows Removed by Filter'?: number;
  'Actual Rows': number;
  'Shared Hit Blocks': number;
  'Shared Read Blocks': number;
  Plans?: PlanNode[];
}

function nodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodes)];
}

/** The rows' SQL and parameters (listEventsStatement), or the exact statement the query API sends (the rows, bounded by size). */
function sqlOf(filters: EventFilters, limit: number, sent: 'rows' | 'page' = 'rows'): { sql: string; params: readonly unknown[] } {
  const { sql, params } = sent === 'page' ? eventPageStatement(filters, { limit }, DEFAULT_PAGE_MAX_BYTES) : listEventsStatement(filters, { limit });
  return { sql, params: params ?? [] };
}

describe.skipIf(!HAS_PG)(`query plans at ${ROWS.toLocaleString('en-US')} rows (PostgreSQL)`, () => {
  let db: Database;
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const created = await createPgDatabaseUrl();
    drop = created.drop;
    db = createPgDatabase({ url: created.url, logger: silentLogger, max: 2 });
    await migrate(db, readMigrationFiles(projectRoot()), silentLogger);
    await db.session(async (session) => {
      // A bulk load: skip the NOTIFY trigger (the table owner may disable its own triggers).
      await session.query('alter table public.oasis_events disable trigger user');
      for (let lo = 1; lo <= ROWS; lo += 100_000) await session.query(insertRowsSql(lo, Math.min(ROWS, lo + 99_999), ROWS));
      await session.query('alter table public.oasis_events enable trigger user');
      await session.query('vacuum (analyze) public.oasis_events');
    });
  }, 120_000);

  afterAll(async () => {
    await db?.close().catch(() => {});
    await drop?.();
  });

  it('the data set has its rare combinations', async () => {
    const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from oasis_events where status = 'failure' and source = 'github.actions'`);
    expect(rows[0]!.n).toBe(RARE.failedActions.rows);
    const common = await db.query<{ failure: number; actions: number }>(
      `select count(*) filter (where status = 'failure')::int as failure, count(*) filter (where source = 'github.actions')::int as actions from oasis_events`,
    );
    expect(common.rows[0]!.failure).toBeGreaterThan(ROWS / 10);
    expect(common.rows[0]!.actions).toBeGreaterThan(ROWS / 10);
  });

  it.each(SHAPES)('$name: no table walk, no row filtered out of the table, at most $blocks blocks plus one per row', async ({ filters, as, limit, blocks }) => {
    const { sql, params } = sqlOf(filters, limit ?? 50, 'page');
    const plan = await asRole(db, as ?? service, async (tx) => {
      const { rows } = await tx.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`explain (analyze, buffers, format json) ${sql}`, params);
      return rows[0]!['QUERY PLAN'][0]!.Plan;
    });
    const all = nodes(plan);
    const summary = all.map((n) => `${n['Node Type']}${n['Index Name'] ? ` ${n['Index Name']}` : ''}`).join(' > ');
    const tableWalks = all.filter((n) => n['Node Type'].includes('Seq Scan') || n['Index Name'] === 'oasis_events_pkey').map((n) => n['Node Type']);
    const rowsFilteredOut = all.reduce((sum, n) => sum + (n['Rows Removed by Filter'] ?? 0), 0);
    // Each row returned may cost a table block of its own; everything else is index.
    const blocksOverBudget = Math.max(0, plan['Shared Hit Blocks'] + plan['Shared Read Blocks'] - plan['Actual Rows'] - blocks);
    expect({ tableWalks, rowsFilteredOut, blocksOverBudget }, summary).toEqual({ tableWalks: [], rowsFilteredOut: 0, blocksOverBudget: 0 });
  });

  it.each(SHAPES)('$name: the same rows, in the same order, as `order by id desc`', async ({ filters, as, limit }) => {
    const { sql, params } = sqlOf(filters, limit ?? 50);
    const reference = sql.replace(' and created_at is not null', '').replace('where created_at is not null ', '').replace('order by id desc nulls last', 'order by id desc');
    expect(reference).not.toMatch(/created_at|nulls last/);
    const [actual, expected] = await asRole(db, as ?? service, async (tx) => [(await tx.query(sql, params)).rows, (await tx.query(reference, params)).rows]);
    expect(actual).toEqual(expected);
  });
});
