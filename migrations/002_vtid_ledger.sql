-- The VTID ledger: the platform's task-id registry. Table and column names are the platform's own
-- (camelCase, hence quoted). Access rules (RLS, grants, the no-delete guard) are in policies/002.

-- One row per year; `last` is the last sequence number handed out in that year.
create table public."VtidLedgerCounter" (
  year int primary key check (year between 1000 and 9999),
  last bigint not null check (last >= 1)
);

create table public."VtidLedger" (
  -- Insertion order: the keyset cursor of the list API (newest first). Not the task's identity.
  id            bigint generated always as identity primary key,
  -- Assigned by the insert trigger below; never supplied by clients.
  vtid          text not null,
  "taskFamily"  text not null check (length("taskFamily") between 1 and 100),
  "taskType"    text not null check (length("taskType") between 1 and 100),
  description   text not null check (length(description) between 1 and 5000),
  status        text not null default 'pending'
                check (status in ('pending', 'active', 'blocked', 'complete', 'cancelled')),
  "assignedTo"  text check (length("assignedTo") between 1 and 200),
  tenant        text not null check (length(tenant) between 1 and 100),
  "parentVtid"  text references public."VtidLedger" (vtid),
  metadata      jsonb not null default '{}'::jsonb check (jsonb_typeof(metadata) = 'object'),
  "createdAt"   timestamptz not null default now(),
  "updatedAt"   timestamptz not null default now(),
  constraint "VtidLedger_vtid_key" unique (vtid),
  constraint "VtidLedger_vtid_format" check (vtid ~ '^VTID-[0-9]{4}-[0-9]{4,}$')
);

-- Lookup by vtid is the unique constraint's index. Each list filter is an index range scan that
-- already comes in keyset order (`id < before order by id desc`), however deep the page.
create index "VtidLedger_createdAt_idx"   on public."VtidLedger" ("createdAt" desc, id desc);
create index "VtidLedger_taskFamily_idx"  on public."VtidLedger" ("taskFamily", id desc);
create index "VtidLedger_status_idx"      on public."VtidLedger" (status, id desc);
create index "VtidLedger_tenant_idx"      on public."VtidLedger" (tenant, id desc);
create index "VtidLedger_parentVtid_idx"  on public."VtidLedger" ("parentVtid", id desc);

-- Numbering. The counter row of the year is bumped with one atomic upsert: the row lock it takes is
-- held until commit, so concurrent creates (any instance, any client) queue on it and each gets the
-- next number. It runs in the inserting transaction, so a failed insert (a refused tenant, a bad
-- parent) rolls the bump back with it: no duplicates and no gaps. Doing it in a trigger rather than
-- in the gateway means a client inserting through Supabase's REST API is numbered the same way and
-- can neither pick an id nor burn numbers. SECURITY DEFINER: callers get no rights on the counter.
-- The year is the UTC year of "createdAt", which the gateway sets from its (injectable) clock.
create function public.vtid_ledger_assign_vtid() returns trigger
  language plpgsql
  security definer
  set search_path = ''
  as $$
declare
  created timestamptz := coalesce(new."createdAt", now());
  ledger_year int := extract(year from created at time zone 'UTC')::int;
  next_number bigint;
begin
  if new.vtid is not null then
    raise exception 'VtidLedger.vtid is assigned by the ledger; insert without it'
      using errcode = 'generated_always';
  end if;
  insert into public."VtidLedgerCounter" as counter (year, last)
    values (ledger_year, 1)
    on conflict (year) do update set last = counter.last + 1
    returning counter.last into next_number;
  -- Zero-padded to 4 digits; longer numbers keep all their digits (lpad would truncate them).
  new.vtid := 'VTID-' || ledger_year || '-' || case when next_number < 10000 then lpad(next_number::text, 4, '0') else next_number::text end;
  new."createdAt" := created;
  new."updatedAt" := created;
  return new;
end
$$;
revoke all on function public.vtid_ledger_assign_vtid() from public;

create trigger vtid_ledger_assign_vtid
  before insert on public."VtidLedger"
  for each row execute function public.vtid_ledger_assign_vtid();

-- "updatedAt" is the database's business. The record's identity never changes: the vtid (children
-- point at it), its year's source "createdAt", the tenant that owns it, and the parent (immutable
-- parents also make cycles impossible: a parent always exists before its child).
create function public.vtid_ledger_before_update() returns trigger
  language plpgsql
  set search_path = ''
  as $$
begin
  if new.vtid is distinct from old.vtid
     or new.tenant is distinct from old.tenant
     or new."createdAt" is distinct from old."createdAt"
     or new."parentVtid" is distinct from old."parentVtid" then
    raise exception 'VtidLedger: vtid, tenant, createdAt and parentVtid cannot change'
      using errcode = 'check_violation';
  end if;
  new."updatedAt" := now();
  return new;
end
$$;

create trigger vtid_ledger_before_update
  before update on public."VtidLedger"
  for each row execute function public.vtid_ledger_before_update();
