-- Indexes for every filter combination of GET /api/v1/oasis/events (runtime/events/repository.ts listEvents),
-- fast whatever the correlation of the data. Evidence: docs/QUERY_PLANS.md (npm run query-plans).
--
-- The slow plan was a walk of the primary key in id order, discarding rows until a page was full. The
-- planner picks it whenever it believes the filtered rows are common (it assumes they are spread evenly
-- over id), so a combination that is rare, or common but only in old rows, reads the whole table. An
-- exact composite index does not cure that on its own (the planner still prefers the primary key walk
-- for a combination it thinks common), nor do extended statistics (they fix the row estimate, not the
-- assumption that matches are spread evenly). So listEvents orders by `id desc nulls last`, the same
-- order (id is NOT NULL) but one the primary key cannot produce, and every index below produces it.
-- The planner then has to walk one of these, and each of them checks filters inside the index.
--
-- Shape of each filter index: (filter column, id, other filter columns..., tenant, ts).
--  - The leading column is matched exactly; `id nulls first` read backward gives `id desc nulls last`;
--    keyset paging (`id < before`) is a range on it, however deep the page.
--  - The columns after id are not for ordering: a btree checks a condition on any key column while it
--    reads the index, so a row that fails one is skipped without reading the table. A query therefore
--    reads at most the index range of its leading filter value, never the table in id order.
--  - tenant is in every index because row-level security adds `tenant = oasis_jwt_tenant()` to every
--    query of an authenticated caller; ts because since/until are ranges on it.
--  - Each index carries the filter columns that come after its own in this order:
--    vtid, module, kind, layer, source, status. Any set of filters then has one index led by its first
--    column in that order that can check all the others (vtid first: its values are the most selective,
--    so the ranges read are the smallest).
--
-- source+status, the query operators run most ("recent CI failures"), gets an exact index of its own,
-- so it reads only the rows it returns whatever their age.
--
-- The six single-column (column, id desc) indexes of 001 are dropped: the filter index led by the same
-- column replaces each (listEvents no longer asks for their order). (tenant, id desc) and
-- (ts desc, id desc) stay: a small tenant's newest events and an old, narrow time window are cheaper to
-- read through them and sort.
--
-- Deploying on a large table: CREATE INDEX blocks inserts while it builds (about a second per index per
-- million rows here) and migrations run in a transaction, so it cannot be CONCURRENTLY. To avoid the
-- pause, build the eight indexes beforehand with CREATE INDEX CONCURRENTLY, same names and definitions;
-- this file then skips them (if not exists) and only drops the old ones, a brief lock.

create index if not exists oasis_events_source_status_idx on public.oasis_events (source, status, id nulls first, tenant, ts);

create index if not exists oasis_events_vtid_filter_idx   on public.oasis_events (vtid,   id nulls first, module, kind, layer, source, status, tenant, ts);
create index if not exists oasis_events_module_filter_idx on public.oasis_events (module, id nulls first, kind, layer, source, status, tenant, ts);
create index if not exists oasis_events_kind_filter_idx   on public.oasis_events (kind,   id nulls first, layer, source, status, tenant, ts);
create index if not exists oasis_events_layer_filter_idx  on public.oasis_events (layer,  id nulls first, source, status, tenant, ts);
-- source+status is served by oasis_events_source_status_idx, so status is not needed here.
create index if not exists oasis_events_source_filter_idx on public.oasis_events (source, id nulls first, tenant, ts);
create index if not exists oasis_events_status_filter_idx on public.oasis_events (status, id nulls first, tenant, ts);

-- Queries with no column filter (none at all, or only since/until/before): the newest events, with ts
-- and tenant checked inside the index. listEvents adds `created_at is not null` (always true) to exactly
-- those queries; it is this index's predicate, so no query with a column filter can use this index (it
-- would walk all rows in id order, the plan this migration removes). Never filter the API on created_at.
create index if not exists oasis_events_unfiltered_idx on public.oasis_events (id nulls first, ts, tenant) where created_at is not null;

-- Last: dropping an index locks the table against reads too, until this transaction commits.
drop index if exists public.oasis_events_vtid_id_idx;
drop index if exists public.oasis_events_source_id_idx;
drop index if exists public.oasis_events_kind_id_idx;
drop index if exists public.oasis_events_status_id_idx;
drop index if exists public.oasis_events_layer_id_idx;
drop index if exists public.oasis_events_module_id_idx;
