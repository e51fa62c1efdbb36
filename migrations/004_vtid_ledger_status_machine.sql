-- The ledger's status machine, enforced by the database too. On Supabase the table is reachable by
-- `authenticated` callers through the REST API, which never passes the gateway's checks; without this,
-- a tenant could start a task as `complete` or move `complete -> pending` in its own rows.
--
-- The allowed moves live in a table (the same as runtime/ledger/transitions.ts; a test keeps them equal).
-- service_role and the owner stay exempt: the platform's break-glass path for repairs.
-- Who may read the table (row-level security, grants) is policies/004.

create table public."VtidLedgerTransition" (
  "fromStatus" text not null,
  "toStatus"   text not null,
  primary key ("fromStatus", "toStatus")
);

insert into public."VtidLedgerTransition" ("fromStatus", "toStatus") values
  ('pending', 'active'),
  ('pending', 'cancelled'),
  ('active', 'complete'),
  ('active', 'blocked'),
  ('active', 'cancelled'),
  ('blocked', 'active'),
  ('blocked', 'cancelled');

create function public.vtid_ledger_enforce_status() returns trigger
  language plpgsql
  as $$
begin
  -- current_user is the caller's role here (the function is not SECURITY DEFINER).
  if current_user <> 'authenticated' then
    return new;
  end if;
  if tg_op = 'INSERT' then
    if new.status <> 'pending' then
      raise exception 'a new ledger task starts pending, not %', new.status using errcode = 'check_violation';
    end if;
  elsif new.status is distinct from old.status
        and not exists (select 1 from public."VtidLedgerTransition" t
                        where t."fromStatus" = old.status and t."toStatus" = new.status) then
    raise exception 'a ledger task cannot move from % to %', old.status, new.status using errcode = 'check_violation';
  end if;
  return new;
end
$$;

create trigger vtid_ledger_enforce_status
  before insert or update of status on public."VtidLedger"
  for each row execute function public.vtid_ledger_enforce_status();
