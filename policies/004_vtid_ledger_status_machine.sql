-- Row-level security for the ledger's status machine (migrations/004): the table of allowed moves,
-- which the status trigger reads as the caller.
--   authenticated, service_role : read every row
--   anon                        : nothing
--   nobody writes it: the moves change only by a migration.
-- Until issue 14 these statements stood in migrations/004 itself, so a database migrated before then
-- already has them: every statement here may run again (enable, revoke and grant are idempotent; the
-- policy is dropped if it exists, then created).
alter table public."VtidLedgerTransition" enable row level security;
revoke all on public."VtidLedgerTransition" from anon, authenticated;
grant select on public."VtidLedgerTransition" to authenticated, service_role;
drop policy if exists vtid_ledger_transition_read on public."VtidLedgerTransition";
create policy vtid_ledger_transition_read on public."VtidLedgerTransition"
  for select to authenticated, service_role using (true);
