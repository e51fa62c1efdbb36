-- The feed trusts txid (migrations/005): a row claiming an older transaction than its own could land
-- behind every feed cursor and never be delivered. Authenticated callers (Supabase's REST API
-- included) may therefore only store the transaction they are in, which is the column's default.
drop policy oasis_events_authenticated_insert on public.oasis_events;

create policy oasis_events_authenticated_insert on public.oasis_events
  for insert to authenticated
  with check (tenant = public.oasis_jwt_tenant() and txid = pg_current_xact_id());
