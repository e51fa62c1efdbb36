-- Rollups behind GET /api/v1/oasis/metrics (the four keys, docs/METRICS.md). Two small tables, kept
-- up to date by a statement trigger on every insert into oasis_events, so the metrics read tens of
-- thousands of narrow rows instead of scanning millions of events:
--
--   oasis_deployments    one row per Cloud Run rollout (tenant, service, revision): its FIRST outcome
--                        (Ready=True -> success, Ready=False or a refused request -> failure), with the
--                        VTID, layer and module of that outcome's event. A repeated or late outcome event
--                        of the same revision never adds a rollout; one that arrives late but happened
--                        earlier (out of order) replaces the row, so arrival order does not matter.
--   oasis_change_starts  per (tenant, VTID, repository): when the first change was recorded (a pull
--                        request event or a push). Squash merges and rebases do not matter: the link to
--                        a deploy is the VTID (PR title / branch / commit message -> the service's `vtid`
--                        label), not a commit sha.
--
-- Both are pure functions of oasis_events: public.oasis_metrics_rebuild() recomputes them from scratch
-- (used below to fill them from the rows already stored, and by the bench after a bulk COPY, which
-- fires no triggers); test/integration/metrics.test.ts proves the trigger-maintained rows equal it.
-- Events are append-only in practice; an UPDATE or DELETE of events (service_role only) is not
-- followed: run the rebuild after one.

-- Keys are "C"-collated: the metrics sort and partition by them, byte order is enough and far cheaper.
create table public.oasis_deployments (
  tenant   text collate "C" not null,
  service  text collate "C" not null,
  -- The revision, or 'event:<id>' for an outcome that names none (a refused request).
  rollout  text collate "C" not null,
  event_id bigint not null,
  at       timestamptz not null,
  status   text not null check (status in ('success', 'failure')),
  vtid     text collate "C" not null,
  layer    text,
  module   text,
  primary key (tenant, service, rollout)
);
create index oasis_deployments_at_idx on public.oasis_deployments (at, event_id);
-- The metrics' two ordered reads: each change's first deployment, and each service's rollouts newest first.
create index oasis_deployments_vtid_idx on public.oasis_deployments (tenant, vtid, at, event_id) where status = 'success';
create index oasis_deployments_service_idx on public.oasis_deployments (tenant, service, at desc, event_id desc);

create table public.oasis_change_starts (
  tenant   text collate "C" not null,
  vtid     text collate "C" not null,
  -- '' when the event names no repository.
  repo     text collate "C" not null,
  first_at timestamptz not null,
  primary key (tenant, vtid, repo)
);

-- Applies a set of new event rows (the trigger's transition table, or the whole table) to the rollups.
-- Each statement first reduces its rows to one per key (the earliest), since ON CONFLICT may touch a
-- row only once per statement; an existing row is replaced only by an earlier outcome or change.
create function public.oasis_metrics_apply() returns trigger
  language plpgsql
  security definer
  set search_path = ''
  as $$
begin
  insert into public.oasis_deployments as d (tenant, service, rollout, event_id, at, status, vtid, layer, module)
  select distinct on (r.tenant, r.service, r.rollout) r.tenant, r.service, r.rollout, r.id, r.ts, r.status, r.vtid, r.layer, r.module
    from (select e.tenant, coalesce(nullif(e.metadata ->> 'service', ''), 'unknown') as service,
                 coalesce(nullif(e.metadata ->> 'revision', ''), 'event:' || e.id) as rollout,
                 e.id, e.ts, e.status, e.vtid, e.layer, e.module
            from inserted e
           where e.source = 'gcp.cloudrun' and e.kind = 'deploy' and e.status in ('success', 'failure')) r
   order by r.tenant, r.service, r.rollout, r.ts, r.id
  on conflict (tenant, service, rollout) do update
     set event_id = excluded.event_id, at = excluded.at, status = excluded.status, vtid = excluded.vtid,
         layer = excluded.layer, module = excluded.module
   where (excluded.at, excluded.event_id) < (d.at, d.event_id);

  insert into public.oasis_change_starts as c (tenant, vtid, repo, first_at)
  select e.tenant, e.vtid, coalesce(e.repo, ''), min(e.ts)
    from inserted e
   where e.source = 'github' and e.vtid <> 'UNSET'
     and (e.kind = 'pull_request' or (e.kind = 'push' and e.status = 'success'))
   group by e.tenant, e.vtid, coalesce(e.repo, '')
  on conflict (tenant, vtid, repo) do update set first_at = excluded.first_at
   where excluded.first_at < c.first_at;
  return null;
end
$$;
revoke all on function public.oasis_metrics_apply() from public;

create trigger oasis_metrics_apply
  after insert on public.oasis_events
  referencing new table as inserted
  for each statement execute function public.oasis_metrics_apply();

-- The rollups recomputed from every stored event: the trigger's two statements over the whole table
-- (a trigger's transition table cannot be handed to another function, hence the repetition; the
-- integration test compares trigger-maintained rows, this rebuild and a direct computation).
create function public.oasis_metrics_rebuild() returns void
  language plpgsql
  security definer
  set search_path = ''
  as $$
begin
  delete from public.oasis_deployments;
  delete from public.oasis_change_starts;
  insert into public.oasis_deployments (tenant, service, rollout, event_id, at, status, vtid, layer, module)
  select distinct on (r.tenant, r.service, r.rollout) r.tenant, r.service, r.rollout, r.id, r.ts, r.status, r.vtid, r.layer, r.module
    from (select e.tenant, coalesce(nullif(e.metadata ->> 'service', ''), 'unknown') as service,
                 coalesce(nullif(e.metadata ->> 'revision', ''), 'event:' || e.id) as rollout,
                 e.id, e.ts, e.status, e.vtid, e.layer, e.module
            from public.oasis_events e
           where e.source = 'gcp.cloudrun' and e.kind = 'deploy' and e.status in ('success', 'failure')) r
   order by r.tenant, r.service, r.rollout, r.ts, r.id;
  insert into public.oasis_change_starts (tenant, vtid, repo, first_at)
  select e.tenant, e.vtid, coalesce(e.repo, ''), min(e.ts)
    from public.oasis_events e
   where e.source = 'github' and e.vtid <> 'UNSET'
     and (e.kind = 'pull_request' or (e.kind = 'push' and e.status = 'success'))
   group by e.tenant, e.vtid, coalesce(e.repo, '');
end
$$;
revoke all on function public.oasis_metrics_rebuild() from public;

select public.oasis_metrics_rebuild();

-- The board (GET /api/v1/oasis/board) reads the recent workflow runs and deploys: each a small slice
-- of the table, found by time. `created_at is not null` (always true) is in each predicate so that
-- only a query that says it too can use them: the event list filtered by source and kind must keep
-- its own indexes (migrations/006), which a small partial index on (ts) would otherwise win, scanning
-- every deploy to sort by id (test/integration/events-query-plans.test.ts, '3 filters, rare').
create index if not exists oasis_events_workflow_runs_ts_idx on public.oasis_events (ts) where source = 'github.actions' and kind = 'workflow_run' and created_at is not null;
create index if not exists oasis_events_deploys_ts_idx on public.oasis_events (ts) where source = 'gcp.cloudrun' and kind = 'deploy' and created_at is not null;
