/**
 * A synthetic, deterministic oasis_events data set for query-plan work (scripts/query-plans.ts and
 * test/events/query-plans.test.ts). Row n (1-based) is a pure function of n and the total,
 * so a table can be filled in chunks and two databases get the same rows.
 *
 * Shape (fractions of `total`):
 *  - ids in insertion order, ts increasing with id over 90 days from 2026-01-01;
 *  - sources github.actions 30%, agent.heartbeat 25%, gcp.cloudrun 15%, github.push / github.pull_request /
 *    vtid.ledger 10% each (see below for github.push); status and kind depend on the source; layer/module depend on the source;
 *  - vtid: about total/20 distinct ledger ids, each on ~15 consecutive events; heartbeats (and 10% of pushes) are UNSET;
 *  - tenants system 40%, acme 25%, globex 20%, initech 10%, umbrella 5%; umbrella stops having github.actions
 *    events halfway through (a tenant/source combination that is common in old rows and absent in new ones);
 *  - github.push stops two thirds of the way through (later pushes arrive as github.pull_request): a single
 *    value that is common (~7%) but only in old rows;
 *  - status=failure is common (~17%) and source=github.actions is common (30%), but github.actions never
 *    fails except for RARE rows placed in the oldest 5% of ids. Likewise kind=deploy & module=LEDGER,
 *    layer=INFRA & status=cancelled and vtid=UNSET & status=success: each value common, each pair rare and old.
 */

export const DATASET_START = '2026-01-01T00:00:00Z';
export const DATASET_DAYS = 90;

/** The rare combinations and how many rows each has (with `total` a multiple of 100,000: exact). */
export const RARE = {
  failedActions: { filters: { status: 'failure', source: 'github.actions' }, rows: 200 },
  deployLedger: { filters: { kind: 'deploy', module: 'LEDGER' }, rows: 100 },
  infraCancelled: { filters: { layer: 'INFRA', status: 'cancelled' }, rows: 150 },
  unsetSuccess: { filters: { vtid: 'UNSET', status: 'success' }, rows: 100 },
} as const;

/** The ledger VTID of row n. */
export function vtidOfRow(n: number): string {
  return `VTID-2026-${String(Math.floor(n / 20)).padStart(5, '0')}`;
}

/** The ts of row n, as PostgreSQL computes it below. */
export function tsOfRow(n: number, total: number): Date {
  return new Date(Date.parse(DATASET_START) + Math.round((n * DATASET_DAYS * 86_400_000) / total));
}

/**
 * One INSERT … SELECT of rows lo..hi (inclusive) of a data set of `total` rows. Run as a superuser with
 * `session_replication_role = replica` to skip the NOTIFY trigger for bulk loads (it does not touch indexes).
 */
export function insertRowsSql(lo: number, hi: number, total: number): string {
  const old = Math.floor(total / 20);
  const every = (rows: number) => Math.max(1, Math.floor(old / rows));
  // A uniform number in [0, 1) per row and stream, deterministic (no setseed, so chunks are independent).
  const r = (stream: number) => `((hashint8extended(n, ${stream}) & 4294967295)::float8 / 4294967296)`;
  return `
insert into public.oasis_events (ts, vtid, source, kind, status, layer, module, title, repo, actor, external_id, tenant, metadata, payload)
select
  timestamptz '${DATASET_START}' + n * (interval '${DATASET_DAYS} days' / ${total}),
  case when rare = 4 then 'UNSET'
       when src = 'agent.heartbeat' or (src = 'github.push' and r3 < 0.1) then 'UNSET'
       else 'VTID-2026-' || lpad((n / 20)::text, 5, '0') end,
  src,
  case when rare = 2 then 'deploy' else
  case src when 'github.actions' then (case when r3 < 0.5 then 'workflow_run' when r3 < 0.9 then 'workflow_job' else 'check_run' end)
           when 'agent.heartbeat' then (case when r3 < 0.95 then 'heartbeat' else 'agent.offline' end)
           when 'gcp.cloudrun' then (case when r3 < 0.7 then 'deploy' else 'revision' end)
           when 'github.push' then 'push'
           when 'github.pull_request' then 'pull_request'
           else (case when r3 < 0.4 then 'ledger.created' else 'ledger.transition' end) end end,
  case when rare = 1 then 'failure' when rare = 3 then 'cancelled' when rare = 4 then 'success' else
  case src when 'github.actions' then (case when r2 < 0.15 then 'queued' when r2 < 0.30 then 'in_progress' when r2 < 0.85 then 'success' else 'cancelled' end)
           when 'agent.heartbeat' then (case when r2 < 0.6 then 'info' else 'failure' end)
           when 'gcp.cloudrun' then (case when r2 < 0.2 then 'in_progress' when r2 < 0.6 then 'success' else 'failure' end)
           when 'github.push' then 'info'
           when 'github.pull_request' then (case when r2 < 0.5 then 'info' when r2 < 0.8 then 'success' else 'cancelled' end)
           else (case when r2 < 0.3 then 'queued' when r2 < 0.5 then 'in_progress' when r2 < 0.8 then 'success' when r2 < 0.9 then 'failure' else 'cancelled' end) end end,
  lm[1], lm[2],
  src || ' event ' || n, 'vitana/oasis', 'actor-' || (n % 97), src || '-' || n,
  case when src = 'github.actions' and n > ${Math.floor(total / 2)} and tn = 'umbrella' then 'acme' else tn end,
  '{}'::jsonb, jsonb_build_object('n', n)
from (
  select n, r2, r3, r4, rare,
    case when rare = 1 then 'github.actions' when rare in (2, 3) then 'gcp.cloudrun' when rare = 4 then 'github.pull_request'
         when r1 < 0.30 then 'github.actions' when r1 < 0.55 then 'agent.heartbeat' when r1 < 0.70 then 'gcp.cloudrun'
         when r1 < 0.80 then (case when n > ${Math.floor((total * 2) / 3)} then 'github.pull_request' else 'github.push' end)
         when r1 < 0.90 then 'github.pull_request' else 'vtid.ledger' end as src,
    case when r5 < 0.40 then 'system' when r5 < 0.65 then 'acme' when r5 < 0.85 then 'globex' when r5 < 0.95 then 'initech' else 'umbrella' end as tn
  from (
    select n, ${r(1)} r1, ${r(2)} r2, ${r(3)} r3, ${r(4)} r4, ${r(5)} r5,
      case when n <= ${old} and n % ${every(RARE.failedActions.rows)} = 7 then 1
           when n <= ${old} and n % ${every(RARE.deployLedger.rows)} = 11 then 2
           when n <= ${old} and n % ${every(RARE.infraCancelled.rows)} = 13 then 3
           when n <= ${old} and n % ${every(RARE.unsetSuccess.rows)} = 17 then 4
           else 0 end as rare
    from generate_series(${lo}::bigint, ${hi}::bigint) n
  ) a
) b
cross join lateral (select case
  when rare = 2 then array['OASIS', 'LEDGER']
  when rare = 3 then array['INFRA', 'DEPLOY']
  when src = 'agent.heartbeat' then (case when r4 < 0.5 then array['AGENT', 'RUNNER'] else array['AGENT', 'PLANNER'] end)
  when src = 'gcp.cloudrun' then (case when r4 < 0.3 then array['INFRA', 'DEPLOY'] when r4 < 0.5 then array['INFRA', 'DB'] when r4 < 0.7 then array['INFRA', 'NET']
                                       when r4 < 0.85 then array['OASIS', 'EVENTS'] else array['OASIS', 'WATCHER'] end)
  when src = 'vtid.ledger' then array['OASIS', 'LEDGER']
  when r4 < 0.15 then array[null, null]
  when r4 < 0.35 then array['DEV', 'CICDL'] when r4 < 0.5 then array['DEV', 'GATEWAY'] when r4 < 0.6 then array['DEV', 'FEED'] when r4 < 0.7 then array['DEV', 'CONSOLE']
  when r4 < 0.85 then array['OASIS', 'EVENTS'] else array['OASIS', 'LEDGER'] end as lm) l
order by n`;
}
