import type { QueryResult, Statement } from '../core/database.js';
import type { AggregateRow, FactKind } from './figures.js';
import type { MetricsWindow } from './window.js';

/**
 * The SQL of the four keys, over the rollups of migrations/007 (one row per rollout, one per change
 * start). One parameterized statement; run as the caller (batchAsRole), so row-level security gives
 * a tenant its own rows only. docs/METRICS.md defines every figure; this is that text in SQL.
 */

export interface MetricsFilters {
  service?: string;
  repo?: string;
  layer?: string;
  module?: string;
}

export function metricsStatement(window: MetricsWindow, filters: MetricsFilters): Statement {
  const params: unknown[] = [window.since.toISOString(), window.until.toISOString()];
  const add = (value: unknown) => `$${params.push(value)}`;
  const conditions: string[] = [];
  if (filters.service !== undefined) conditions.push(`d.service = ${add(filters.service)}`);
  if (filters.layer !== undefined) conditions.push(`d.layer = ${add(filters.layer)}`);
  if (filters.module !== undefined) conditions.push(`d.module = ${add(filters.module)}`);
  // A deployment belongs to a repository through its VTID: a change of that VTID was made there.
  const repo = filters.repo !== undefined ? add(filters.repo) : null;
  if (repo) conditions.push(`exists (select 1 from public.oasis_change_starts c where c.tenant = d.tenant and c.vtid = d.vtid and c.repo = ${repo})`);
  const where = conditions.length ? `where ${conditions.join(' and ')}` : '';
  // Unfiltered, every change's first deployment and first change are kept per VTID by the insert
  // trigger (oasis_change_leads); a filter selects rollouts first, so then they are found here.
  const lead = conditions.length
    ? `-- Each change counts once, at its first successful deployment (in or before the window).
          first_deploys as (
            select distinct on (s.tenant, s.vtid) s.tenant, s.vtid, s.at
              from selected s where s.status = 'success' and s.vtid <> 'UNSET'
             order by s.tenant, s.vtid, s.at, s.event_id
          ),
          lead as (
            select f.at, extract(epoch from f.at - cs.first_at)::float8 as seconds
              from first_deploys f
              cross join lateral (
                select min(c.first_at) as first_at from public.oasis_change_starts c
                 where c.tenant = f.tenant and c.vtid = f.vtid${repo ? ` and c.repo = ${repo}` : ''}
              ) cs
             where f.at >= $1::timestamptz and f.at < $2::timestamptz and cs.first_at <= f.at
          ),`
    : `lead as (
            select l.deployed_at as at, extract(epoch from l.deployed_at - l.changed_at)::float8 as seconds
              from public.oasis_change_leads l
             where l.deployed_at >= $1::timestamptz and l.deployed_at < $2::timestamptz and l.changed_at <= l.deployed_at
          ),`;
  return {
    sql: `with selected as not materialized (
            select d.tenant, d.service, d.event_id, d.at, d.status, d.vtid from public.oasis_deployments d ${where}
          ),
${lead}
          -- Newest first, so "every later rollout of the service" is a frame that only grows.
          recovery as (
            select r.at, extract(epoch from r.next_success - r.at)::float8 as seconds
              from (select s.at, s.status, min(s.at) filter (where s.status = 'success') over (
                             partition by s.tenant, s.service order by s.at desc, s.event_id desc
                             rows between unbounded preceding and 1 preceding) as next_success
                      from selected s where s.at >= $1::timestamptz) r
             where r.status = 'failure' and r.at < $2::timestamptz
          ),
          timed as (
            select 'lead' as kind, at, seconds from lead
            union all select 'recovery', at, seconds from recovery
          )
          -- Rollouts need counts only (no sort); the percentiles sort just the lead and recovery samples.
          select 'rollout' as kind, (at at time zone 'UTC')::date as day,
                 count(*)::int as n, count(*) filter (where status = 'failure')::int as failed, 0 as samples,
                 null::float8 as median, null::float8 as p90, grouping((at at time zone 'UTC')::date) as whole
            from selected where at >= $1::timestamptz and at < $2::timestamptz
           group by grouping sets ((), ((at at time zone 'UTC')::date))
          union all
          select kind, (at at time zone 'UTC')::date, count(*)::int, 0, count(seconds)::int,
                 percentile_cont(0.5) within group (order by seconds),
                 percentile_cont(0.9) within group (order by seconds),
                 grouping((at at time zone 'UTC')::date)
            from timed
           group by grouping sets ((kind), (kind, (at at time zone 'UTC')::date))`,
    params,
  };
}

/** A date column as `YYYY-MM-DD` (pg hands dates over as text here; PGlite as a Date at UTC midnight). */
function dayText(value: unknown): string {
  return value instanceof Date ? value.toISOString().slice(0, 10) : String(value).slice(0, 10);
}

/**
 * Sorting tens of thousands of rows for the percentiles and the recovery window must stay in memory:
 * the default work_mem (4 MB) sends them to disk. Scoped to the request's transaction.
 */
export const METRICS_WORK_MEM: Statement = { sql: `select set_config('work_mem', '64MB', true)`, params: [] };

export function readAggregates(result: QueryResult<Record<string, unknown>>): AggregateRow[] {
  return result.rows.map((row) => ({
    kind: row.kind as FactKind,
    day: Number(row.whole) === 1 ? null : dayText(row.day),
    n: Number(row.n),
    failed: Number(row.failed),
    samples: Number(row.samples),
    median: row.median === null ? null : Number(row.median),
    p90: row.p90 === null ? null : Number(row.p90),
  }));
}
