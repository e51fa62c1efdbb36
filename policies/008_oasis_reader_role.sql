-- oasis_reader (migrations/008): SELECT on what the consoles show (events and their feed, agents, the
-- ledger, the metrics rollups behind the four keys), every tenant's rows, and no other privilege: no
-- INSERT, UPDATE or DELETE grant exists for it on any table, so a write as this role fails in the
-- database whoever sends it.
grant select on public.oasis_events, public.oasis_agents, public."VtidLedger",
  public.oasis_deployments, public.oasis_change_starts, public.oasis_change_leads to oasis_reader;

create policy oasis_events_reader_select on public.oasis_events for select to oasis_reader using (true);
create policy oasis_agents_reader_select on public.oasis_agents for select to oasis_reader using (true);
create policy vtid_ledger_reader_select on public."VtidLedger" for select to oasis_reader using (true);
create policy oasis_deployments_reader_select on public.oasis_deployments for select to oasis_reader using (true);
create policy oasis_change_starts_reader_select on public.oasis_change_starts for select to oasis_reader using (true);
create policy oasis_change_leads_reader_select on public.oasis_change_leads for select to oasis_reader using (true);
