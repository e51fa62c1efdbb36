-- Row-level security for the agent registry, the same tenancy as the OASIS events (policies/001):
--   service_role   : everything (agents normally beat with the service-role token; their rows are
--                    in tenant 'system' unless the beat names a tenant); the offline detector too
--   authenticated  : reads, registers and updates agents of its own tenant only; never deletes
--   anon           : nothing (public read, when enabled, is served by the gateway, not granted here)
-- An agent name is global (primary key): a tenant cannot take over another tenant's agent, the
-- gateway answers 409 for that clash.

alter table public.oasis_agents enable row level security;

revoke all on public.oasis_agents from anon, authenticated;
grant select, insert, update on public.oasis_agents to authenticated;
grant select, insert, update, delete on public.oasis_agents to service_role;

create policy oasis_agents_service_role_all on public.oasis_agents
  for all to service_role using (true) with check (true);

create policy oasis_agents_authenticated_select on public.oasis_agents
  for select to authenticated
  using (tenant = public.oasis_jwt_tenant());

create policy oasis_agents_authenticated_insert on public.oasis_agents
  for insert to authenticated
  with check (tenant = public.oasis_jwt_tenant());

create policy oasis_agents_authenticated_update on public.oasis_agents
  for update to authenticated
  using (tenant = public.oasis_jwt_tenant())
  with check (tenant = public.oasis_jwt_tenant());
