-- Row-level security for the metrics rollups (migrations/007), the same tenancy as the events they
-- are computed from (policies/001): each rollup row carries the tenant of its events.
--   service_role   : reads everything
--   authenticated  : reads its own tenant's rows only
--   anon           : nothing
-- Nobody writes them directly: the insert trigger on oasis_events (SECURITY DEFINER) maintains them.

alter table public.oasis_deployments enable row level security;
alter table public.oasis_change_starts enable row level security;
alter table public.oasis_change_leads enable row level security;

revoke all on public.oasis_deployments from anon, authenticated, service_role;
revoke all on public.oasis_change_starts from anon, authenticated, service_role;
revoke all on public.oasis_change_leads from anon, authenticated, service_role;
grant select on public.oasis_deployments to authenticated, service_role;
grant select on public.oasis_change_starts to authenticated, service_role;
grant select on public.oasis_change_leads to authenticated, service_role;

create policy oasis_deployments_service_role_select on public.oasis_deployments
  for select to service_role using (true);
create policy oasis_deployments_authenticated_select on public.oasis_deployments
  for select to authenticated using (tenant = public.oasis_jwt_tenant());

create policy oasis_change_starts_service_role_select on public.oasis_change_starts
  for select to service_role using (true);
create policy oasis_change_starts_authenticated_select on public.oasis_change_starts
  for select to authenticated using (tenant = public.oasis_jwt_tenant());

create policy oasis_change_leads_service_role_select on public.oasis_change_leads
  for select to service_role using (true);
create policy oasis_change_leads_authenticated_select on public.oasis_change_leads
  for select to authenticated using (tenant = public.oasis_jwt_tenant());
