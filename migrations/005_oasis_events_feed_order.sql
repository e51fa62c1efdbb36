-- The live feed's order no longer needs writers to take turns (it did: every insert took one global
-- advisory lock to commit, so ids became visible in id order). Instead each row records the
-- transaction that wrote it, and the feed reads in (txid, id) order, only rows whose transaction is
-- below the oldest transaction still open (the reading snapshot's xmin, leaving out other
-- databases' transactions): every transaction below it has ended, so no row can still
-- appear behind the feed's cursor. Writers hold no lock; see docs/ARCHITECTURE.md, "Feed order".

-- Rows stored before this migration were all committed long ago: position (0, id) keeps them in id
-- order ahead of every new row. A constant default is a catalog change, not a table rewrite.
alter table public.oasis_events add column txid xid8 not null default '0'::xid8;
alter table public.oasis_events alter column txid set default pg_current_xact_id();

-- The feed's cursor walk: (txid, id) > (cursor) and txid < horizon, in that order.
create index oasis_events_feed_position_idx on public.oasis_events (txid, id);

-- One wake-up per writing statement, not per row: a batch of a hundred rows notifies once, and
-- PostgreSQL folds identical notifications of one transaction into one. The payload is the writing
-- transaction, so a listener can tell whether it has read that transaction's rows yet.
drop trigger oasis_events_notify on public.oasis_events;
drop function public.oasis_events_notify();

create function public.oasis_events_notify() returns trigger
  language plpgsql
  as $$
begin
  if exists (select 1 from inserted) then
    perform pg_notify('oasis_events', pg_current_xact_id()::text);
  end if;
  return null;
end
$$;

create trigger oasis_events_notify
  after insert on public.oasis_events
  referencing new table as inserted
  for each statement execute function public.oasis_events_notify();
