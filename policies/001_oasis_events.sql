-- Row-level security for the OASIS event table. The gateway runs each request's SQL as the caller's
-- role with its JWT claims, so these policies are the last word on tenancy.
--   service_role   : everything (BYPASSRLS, plus the grants below)
--   authenticated  : reads and inserts within its own tenant only
--   anon           : nothing (public read, when enabled, is served by the gateway, not granted here,
--                    so the table is never world-readable through Supabase's REST API)
--   nobody but service_role updates or deletes.

alter table public.oasis_events enable row level security;

-- The tenant of the caller, as Supabase issues it: a top-level `tenant` claim or app_metadata.tenant
-- (set by the server; user_metadata is user-editable and never trusted).
create or replace function public.oasis_jwt_tenant() returns text
  language sql stable
  as $$ select coalesce(auth.jwt() ->> 'tenant', auth.jwt() -> 'app_metadata' ->> 'tenant') $$;
grant execute on function public.oasis_jwt_tenant() to anon, authenticated, service_role;

revoke all on public.oasis_events from anon, authenticated;
grant select, insert on public.oasis_events to authenticated;
grant select, insert, update, delete on public.oasis_events to service_role;
grant usage, select on sequence public.oasis_events_id_seq to authenticated, service_role;

create policy oasis_events_service_role_all on public.oasis_events
  for all to service_role using (true) with check (true);

create policy oasis_events_authenticated_select on public.oasis_events
  for select to authenticated
  using (tenant = public.oasis_jwt_tenant());

create policy oasis_events_authenticated_insert on public.oasis_events
  for insert to authenticated
  with check (tenant = public.oasis_jwt_tenant());
