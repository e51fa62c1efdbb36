-- The OASIS event table: every GitHub delivery, deploy, agent heartbeat change and ledger change.

create table public.oasis_events (
  -- The feed cursor. Inserts serialize on an advisory lock (see the events repository), so ids
  -- become visible in increasing order and "rows with id > last seen" never skips a late commit.
  id          bigint generated always as identity primary key,
  ts          timestamptz not null default now(),
  vtid        text not null default 'UNSET',
  source      text not null check (length(source) between 1 and 100),
  kind        text not null check (length(kind) between 1 and 100),
  status      text not null default 'info'
              check (status in ('queued', 'in_progress', 'success', 'failure', 'cancelled', 'info')),
  layer       text,
  module      text,
  title       text,
  repo        text,
  ref         text,
  sha         text,
  actor       text,
  url         text,
  external_id text,
  tenant      text not null default 'system',
  metadata    jsonb not null default '{}'::jsonb,
  payload     jsonb,
  created_at  timestamptz not null default now(),
  -- Idempotency: a repeat of (source, external_id) is the same event. NULL external ids never clash.
  constraint oasis_events_source_external_id_key unique (source, external_id)
);

-- Newest-first for every filter of the query API; each index ends in id so keyset paging
-- (`id < before order by id desc`) is an index range scan, however deep the page.
create index oasis_events_vtid_id_idx   on public.oasis_events (vtid, id desc);
create index oasis_events_source_id_idx on public.oasis_events (source, id desc);
create index oasis_events_kind_id_idx   on public.oasis_events (kind, id desc);
create index oasis_events_status_id_idx on public.oasis_events (status, id desc);
create index oasis_events_layer_id_idx  on public.oasis_events (layer, id desc);
create index oasis_events_module_id_idx on public.oasis_events (module, id desc);
create index oasis_events_tenant_id_idx on public.oasis_events (tenant, id desc);
create index oasis_events_ts_idx        on public.oasis_events (ts desc, id desc);

-- Every committed insert wakes the live feed of every gateway instance. Only the id travels:
-- NOTIFY payloads are capped at 8000 bytes, the row is read from the table.
create function public.oasis_events_notify() returns trigger
  language plpgsql
  as $$
begin
  perform pg_notify('oasis_events', new.id::text);
  return new;
end
$$;

create trigger oasis_events_notify
  after insert on public.oasis_events
  for each row execute function public.oasis_events_notify();
