import type { QueryResult, Statement } from '../db/types.js';
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
  return {
    sql: `with selected as materialized (
            select d.tenant, d.service, d.event_id, d.at, d.status, d.vtid from public.oasis_deployments d ${where}
          ),
          windowed as (
            select * from selected where at >= $1::timestamptz and at < $2::timestamptz
          ),
          -- Each change counts once, at its first successful deployment (no earlier one, in or before the window).
          lead as (
            select w.at, extract(epoch from w.at - cs.first_at)::float8 as seconds
              from windowed w
              cross join lateral (
                select min(c.first_at) as first_at from public.oasis_change_starts c
                 where c.tenant = w.tenant and c.vtid = w.vtid${repo ? ` and c.repo = ${repo}` : ''}
              ) cs
             where w.status = 'success' and w.vtid <> 'UNSET' and cs.first_at <= w.at
               and not exists (select 1 from selected e
                                where e.tenant = w.tenant and e.vtid = w.vtid and e.status = 'success'
                                  and (e.at, e.event_id) < (w.at, w.event_id))
          ),
          -- Newest first, so "every later rollout of the service" is a frame that only grows.
          recovery as (
            select r.at, extract(epoch from r.next_success - r.at)::float8 as seconds
              from (select s.*, min(s.at) filter (where s.status = 'success') over (
                             partition by s.tenant, s.service order by s.at desc, s.event_id desc
                             rows between unbounded preceding and 1 preceding) as next_success
                      from selected s where s.at >= $1::timestamptz) r
             where r.status = 'failure' and r.at < $2::timestamptz
          ),
          facts as (
            select 'rollout' as kind, at, status = 'failure' as failed, null::float8 as seconds from windowed
            union all select 'lead', at, false, seconds from lead
            union all select 'recovery', at, false, seconds from recovery
          )
          select kind, to_char(date_trunc('day', at at time zone 'UTC'), 'YYYY-MM-DD') as day,
                 count(*)::int as n, count(*) filter (where failed)::int as failed, count(seconds)::int as samples,
                 percentile_cont(0.5) within group (order by seconds) as median,
                 percentile_cont(0.9) within group (order by seconds) as p90,
                 grouping(to_char(date_trunc('day', at at time zone 'UTC'), 'YYYY-MM-DD')) as whole
            from facts
           group by grouping sets ((kind), (kind, to_char(date_trunc('day', at at time zone 'UTC'), 'YYYY-MM-DD')))`,
    params,
  };
}

export function readAggregates(result: QueryResult<Record<string, unknown>>): AggregateRow[] {
  return result.rows.map((row) => ({
    kind: row.kind as FactKind,
    day: Number(row.whole) === 1 ? null : String(row.day),
    n: Number(row.n),
    failed: Number(row.failed),
    samples: Number(row.samples),
    median: row.median === null ? null : Number(row.median),
    p90: row.p90 === null ? null : Number(row.p90),
  }));
}
