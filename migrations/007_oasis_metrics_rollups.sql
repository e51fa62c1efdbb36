-- Rollups behind GET /api/v1/oasis/metrics (the four keys, docs/METRICS.md). Three small tables, kept
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
--   oasis_change_leads   per (tenant, VTID): its first successful rollout and its first change (over
--                        every repository), both from the two tables above: the unfiltered lead time
--                        reads it instead of finding every change's first deployment per request.
--
-- All three are pure functions of oasis_events: public.oasis_metrics_rebuild() recomputes them from scratch
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
-- status included: the recovery window reads it from the index alone (an index-only scan).
create index oasis_deployments_service_idx on public.oasis_deployments (tenant, service, at desc, event_id desc) include (status);

create table public.oasis_change_starts (
  tenant   text collate "C" not null,
  vtid     text collate "C" not null,
  -- '' when the event names no repository.
  repo     text collate "C" not null,
  first_at timestamptz not null,
  primary key (tenant, vtid, repo)
);

create table public.oasis_change_leads (
  tenant      text collate "C" not null,
  vtid        text collate "C" not null,
  -- The earliest successful rollout of the VTID (null: none yet) and its earliest change (null: none).
  deployed_at timestamptz,
  changed_at  timestamptz,
  primary key (tenant, vtid)
);
create index oasis_change_leads_deployed_idx on public.oasis_change_leads (deployed_at) include (changed_at);

-- The rollups' keys, from what an event carries. Each is cut to 200 characters: `metadata` is the
-- sender's (ingest takes any JSON object there), and a key longer than a btree row may hold (2,704
-- bytes) would make the trigger fail the event's INSERT, a 500 and a lost write for a field nobody
-- validates (test/integration/metrics.test.ts, "keys of any length").
create function public.oasis_rollup_service(metadata jsonb) returns text
  language sql immutable
  as $$ select left(coalesce(nullif(metadata ->> 'service', ''), 'unknown'), 200) $$;
create function public.oasis_rollup_rollout(metadata jsonb, event_id bigint) returns text
  language sql immutable
  as $$ select left(coalesce(nullif(metadata ->> 'revision', ''), 'event:' || event_id), 200) $$;
create function public.oasis_rollup_repo(repo text) returns text
  language sql immutable
  as $$ select left(coalesce(repo, ''), 200) $$;

-- Applies a set of new event rows (the trigger's transition table, or the whole table) to the rollups.
-- Each statement first reduces its rows to one per key (the earliest), since ON CONFLICT may touch a
-- row only once per statement; an existing row is replaced only by an earlier outcome or change.
create function public.oasis_metrics_apply() returns trigger
  language plpgsql
  security definer
  set search_path = ''
  as $$
declare
  tenants text[];
  vtids text[];
begin
  -- The VTIDs whose first deployment or first change this statement may move: those of its deploy
  -- and change events, and the previous VTID of every rollout it may replace (read before the upsert).
  select coalesce(array_agg(k.tenant), '{}'), coalesce(array_agg(k.vtid), '{}') into tenants, vtids
    from (select e.tenant, e.vtid from inserted e
           where (e.source = 'gcp.cloudrun' and e.kind = 'deploy' and e.status in ('success', 'failure'))
              or (e.source = 'github' and (e.kind = 'pull_request' or (e.kind = 'push' and e.status = 'success')))
          union
          select d.tenant, d.vtid from inserted e
            join public.oasis_deployments d
              on d.tenant = e.tenant and d.service = public.oasis_rollup_service(e.metadata)
             and d.rollout = public.oasis_rollup_rollout(e.metadata, e.id)
           where e.source = 'gcp.cloudrun' and e.kind = 'deploy' and e.status in ('success', 'failure')) k
   where k.vtid <> 'UNSET';

  insert into public.oasis_deployments as d (tenant, service, rollout, event_id, at, status, vtid, layer, module)
  select distinct on (r.tenant, r.service, r.rollout) r.tenant, r.service, r.rollout, r.id, r.ts, r.status, r.vtid, r.layer, r.module
    from (select e.tenant, public.oasis_rollup_service(e.metadata) as service,
                 public.oasis_rollup_rollout(e.metadata, e.id) as rollout,
                 e.id, e.ts, e.status, e.vtid, e.layer, e.module
            from inserted e
           where e.source = 'gcp.cloudrun' and e.kind = 'deploy' and e.status in ('success', 'failure')) r
   order by r.tenant, r.service, r.rollout, r.ts, r.id
  on conflict (tenant, service, rollout) do update
     set event_id = excluded.event_id, at = excluded.at, status = excluded.status, vtid = excluded.vtid,
         layer = excluded.layer, module = excluded.module
   where (excluded.at, excluded.event_id) < (d.at, d.event_id);

  insert into public.oasis_change_starts as c (tenant, vtid, repo, first_at)
  select e.tenant, e.vtid, public.oasis_rollup_repo(e.repo), min(e.ts)
    from inserted e
   where e.source = 'github' and e.vtid <> 'UNSET'
     and (e.kind = 'pull_request' or (e.kind = 'push' and e.status = 'success'))
   group by e.tenant, e.vtid, public.oasis_rollup_repo(e.repo)
  on conflict (tenant, vtid, repo) do update set first_at = excluded.first_at
   where excluded.first_at < c.first_at;

  if cardinality(tenants) = 0 then
    return null;
  end if;
  -- A replaced rollout can move a VTID's first success later, so each touched VTID is recomputed from
  -- the rollups, not combined with least(). Concurrent inserts of one VTID are serialized by locking
  -- its row (in key order, so two statements never wait on each other); the recompute is a later
  -- statement, so under READ COMMITTED it sees what the transaction it waited for committed.
  insert into public.oasis_change_leads (tenant, vtid, deployed_at, changed_at)
  select distinct k.t, k.v, null::timestamptz, null::timestamptz
    from unnest(tenants, vtids) k(t, v) order by k.t, k.v
  on conflict (tenant, vtid) do nothing;
  perform 1 from public.oasis_change_leads l
    join unnest(tenants, vtids) k(t, v) on l.tenant = k.t collate "C" and l.vtid = k.v collate "C"
   order by l.tenant, l.vtid for update of l;
  update public.oasis_change_leads l
     set deployed_at = (select min(d.at) from public.oasis_deployments d
                         where d.tenant = l.tenant and d.vtid = l.vtid and d.status = 'success'),
         changed_at = (select min(c.first_at) from public.oasis_change_starts c
                        where c.tenant = l.tenant and c.vtid = l.vtid)
    from (select distinct t, v from unnest(tenants, vtids) u(t, v)) k
   where l.tenant = k.t collate "C" and l.vtid = k.v collate "C";
  -- A VTID left with neither (its only rollout replaced by another VTID's) has no row, as in the rebuild.
  delete from public.oasis_change_leads l
   where l.deployed_at is null and l.changed_at is null
     and (l.tenant, l.vtid) in (select t collate "C", v collate "C" from unnest(tenants, vtids) u(t, v));
  return null;
end
$$;
revoke all on function public.oasis_metrics_apply() from public;

create trigger oasis_metrics_apply
  after insert on public.oasis_events
  referencing new table as inserted
  for each statement execute function public.oasis_metrics_apply();

-- The rollups recomputed from every stored event: the trigger's two upserts over the whole table, then
-- each VTID's first deployment and first change from them
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
  delete from public.oasis_change_leads;
  insert into public.oasis_deployments (tenant, service, rollout, event_id, at, status, vtid, layer, module)
  select distinct on (r.tenant, r.service, r.rollout) r.tenant, r.service, r.rollout, r.id, r.ts, r.status, r.vtid, r.layer, r.module
    from (select e.tenant, public.oasis_rollup_service(e.metadata) as service,
                 public.oasis_rollup_rollout(e.metadata, e.id) as rollout,
                 e.id, e.ts, e.status, e.vtid, e.layer, e.module
            from public.oasis_events e
           where e.source = 'gcp.cloudrun' and e.kind = 'deploy' and e.status in ('success', 'failure')) r
   order by r.tenant, r.service, r.rollout, r.ts, r.id;
  insert into public.oasis_change_starts (tenant, vtid, repo, first_at)
  select e.tenant, e.vtid, public.oasis_rollup_repo(e.repo), min(e.ts)
    from public.oasis_events e
   where e.source = 'github' and e.vtid <> 'UNSET'
     and (e.kind = 'pull_request' or (e.kind = 'push' and e.status = 'success'))
   group by e.tenant, e.vtid, public.oasis_rollup_repo(e.repo);
  insert into public.oasis_change_leads (tenant, vtid, deployed_at, changed_at)
  select coalesce(d.tenant, c.tenant), coalesce(d.vtid, c.vtid), d.at, c.first_at
    from (select tenant, vtid, min(at) as at from public.oasis_deployments
           where status = 'success' and vtid <> 'UNSET' group by tenant, vtid) d
    full join (select tenant, vtid, min(first_at) as first_at from public.oasis_change_starts
                group by tenant, vtid) c on c.tenant = d.tenant and c.vtid = d.vtid;
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
