import type { QueryResult, Statement } from '../core/database.js';
import type { EventStatus } from '../events/schema.js';
import type { Attempt } from './board.js';

/**
 * The SQL of the board: the recent workflow runs and Cloud Run rollouts, one row per attempt (a run
 * and its attempt number, a rollout's revision). Partial indexes of migrations/007 find the slice by
 * time. Parameterized; run as the caller (batchAsRole), so a tenant sees its own events only.
 */

// Ingested events can carry any metadata: a non-numeric run number is no run number.
const RUN_NUMBER = `case when jsonb_typeof(metadata -> 'runNumber') = 'number' then (metadata -> 'runNumber')::float8 end`;
const RUN_ATTEMPT = `case when jsonb_typeof(metadata -> 'runAttempt') = 'number' then (metadata -> 'runAttempt')::float8 else 1 end`;

// `created_at is not null` (always true) selects the board's own partial indexes (migrations/007),
// which carry it so that the event list cannot pick them.
export function boardStatement(since: Date): Statement {
  return {
    sql: `with recent as (
            select id, ts, status, vtid, url, layer, module, 'workflow' as kind, repo as row_repo,
                   coalesce(nullif(metadata ->> 'workflowName', ''), 'workflow') as name,
                   coalesce(metadata ->> 'runId', 'event:' || id) || ':' || (${RUN_ATTEMPT})::text as attempt,
                   (${RUN_NUMBER}) * 1000 + (${RUN_ATTEMPT}) as run_order,
                   metadata ->> 'runNumber' as label
              from public.oasis_events
             where source = 'github.actions' and kind = 'workflow_run' and created_at is not null and ts >= $1::timestamptz
            union all
            select id, ts, status, vtid, url, layer, module, 'service', null,
                   coalesce(nullif(metadata ->> 'service', ''), 'unknown'),
                   coalesce(nullif(metadata ->> 'revision', ''), 'event:' || id),
                   null, metadata ->> 'revision'
              from public.oasis_events
             where source = 'gcp.cloudrun' and kind = 'deploy' and created_at is not null and ts >= $1::timestamptz
          )
          select kind, row_repo as repo, name, attempt,
                 coalesce(max(run_order), extract(epoch from min(ts)) * 1000) as run_order,
                 (array_agg(status order by ts, id) filter (where status in ('success', 'failure', 'cancelled')))[1] as outcome,
                 bool_or(status = 'in_progress') as started,
                 min(ts) as first_at, max(ts) as last_at,
                 min(ts) filter (where status in ('success', 'failure', 'cancelled')) as ended_at,
                 (array_agg(url order by ts desc, id desc) filter (where url is not null))[1] as url,
                 coalesce((array_agg(vtid order by ts desc, id desc) filter (where vtid <> 'UNSET'))[1], 'UNSET') as vtid,
                 (array_agg(layer order by ts desc, id desc) filter (where layer is not null))[1] as layer,
                 (array_agg(module order by ts desc, id desc) filter (where module is not null))[1] as module,
                 max(label) as label
            from recent
           group by kind, row_repo, name, attempt`,
    params: [since.toISOString()],
  };
}

const iso = (value: unknown): string => new Date(value as string).toISOString();

export function readAttempts(result: QueryResult<Record<string, unknown>>): Attempt[] {
  return result.rows.map((row) => ({
    kind: row.kind as Attempt['kind'],
    repo: (row.repo as string | null) ?? null,
    name: String(row.name),
    attempt: String(row.attempt),
    order: Number(row.run_order),
    outcome: (row.outcome as EventStatus | null) ?? null,
    started: row.started === true,
    firstAt: iso(row.first_at),
    lastAt: iso(row.last_at),
    endedAt: row.ended_at === null ? null : iso(row.ended_at),
    url: (row.url as string | null) ?? null,
    vtid: String(row.vtid),
    layer: (row.layer as string | null) ?? null,
    module: (row.module as string | null) ?? null,
    label: (row.label as string | null) ?? null,
  }));
}
