-- Who may do what with the VTID ledger. The gateway runs each request's SQL as the caller's role with
-- its JWT claims (as Supabase's REST API does), so these rules hold for our API and for direct SQL alike.
--   service_role   : read, create and update every row (BYPASSRLS; the grants below)
--   authenticated  : read every row (transparency), create rows for its own tenant, update rows of its
--                    own tenant (only status, assignedTo, description, metadata); an admin claim
--                    (app_metadata.role = 'admin' or is_admin: true) may update any tenant's rows
--   anon           : nothing
--   nobody         : deletes. The ledger is an immutable audit trail: no DELETE grant or policy for any
--                    role, and a trigger refuses DELETE and TRUNCATE even for the table owner.
-- The counter table is touched only by the numbering trigger (SECURITY DEFINER); callers get no rights
-- on it, so nobody can skip, reuse or burn numbers.

alter table public."VtidLedger" enable row level security;
alter table public."VtidLedgerCounter" enable row level security;

-- The admin claim as the gateway reads it (runtime/http/auth.ts). Both come from server-set claims;
-- user_metadata is user-editable and never consulted.
create function public.vtid_ledger_caller_is_admin() returns boolean
  language sql stable
  set search_path = ''
  as $$
    select coalesce(auth.jwt() -> 'app_metadata' ->> 'role' = 'admin', false)
        or coalesce(auth.jwt() -> 'is_admin' = 'true'::jsonb, false)
  $$;
grant execute on function public.vtid_ledger_caller_is_admin() to authenticated, service_role;

-- Supabase grants everything on new public tables to its API roles by default: start from nothing.
revoke all on public."VtidLedger" from anon, authenticated, service_role;
revoke all on public."VtidLedgerCounter" from anon, authenticated, service_role;

grant select, insert on public."VtidLedger" to authenticated;
-- Column-level: the identity of a task (vtid, tenant, family, type, parent, createdAt) is not the
-- caller's to change; the update trigger guards the identity columns against service_role too.
grant update (status, "assignedTo", description, metadata) on public."VtidLedger" to authenticated;
grant select, insert, update on public."VtidLedger" to service_role;
grant select on public."VtidLedgerCounter" to service_role;

create policy vtid_ledger_service_role_select on public."VtidLedger"
  for select to service_role using (true);
create policy vtid_ledger_service_role_insert on public."VtidLedger"
  for insert to service_role with check (true);
create policy vtid_ledger_service_role_update on public."VtidLedger"
  for update to service_role using (true) with check (true);

create policy vtid_ledger_authenticated_select on public."VtidLedger"
  for select to authenticated using (true);

create policy vtid_ledger_authenticated_insert on public."VtidLedger"
  for insert to authenticated
  with check (tenant = public.oasis_jwt_tenant());

-- USING hides other tenants' rows from UPDATE (and SELECT … FOR UPDATE); WITH CHECK keeps the
-- new row inside the caller's reach.
create policy vtid_ledger_authenticated_update on public."VtidLedger"
  for update to authenticated
  using (tenant = public.oasis_jwt_tenant() or public.vtid_ledger_caller_is_admin())
  with check (tenant = public.oasis_jwt_tenant() or public.vtid_ledger_caller_is_admin());

-- The audit trail is append-only for everyone, including service_role and the owner: grants alone
-- would not stop a superuser or a future careless GRANT.
create function public.vtid_ledger_refuse_removal() returns trigger
  language plpgsql
  set search_path = ''
  as $$
begin
  raise exception '% is an append-only audit trail: rows are never deleted', tg_table_name
    using errcode = 'insufficient_privilege';
end
$$;

create trigger vtid_ledger_refuse_removal
  before delete or truncate on public."VtidLedger"
  for each statement execute function public.vtid_ledger_refuse_removal();

-- Deleting a counter row would make the year's next create collide with an existing id.
create trigger vtid_ledger_counter_refuse_removal
  before delete or truncate on public."VtidLedgerCounter"
  for each statement execute function public.vtid_ledger_refuse_removal();
