-- The agent registry: one row per agent service that sends heartbeats (runtime/heartbeat). The row is
-- the agent's current state; OASIS events record only its changes, so an idle agent beating every
-- minute adds nothing to the event stream. See docs/AGENTS.md.
--
-- status:
--   online   beating and working on a task (vtid is a VTID)
--   idle     beating with no task (vtid = 'IDLE')
--   offline  silent for three of its own intervals; set by the gateway's offline detector
--   stopped  said goodbye (the client's stop()); never turns offline
-- A stopped or offline agent that beats again is online/idle again.

create table public.oasis_agents (
  agent       text primary key check (length(agent) between 1 and 100),
  -- The task the agent is on, upper-case as VTIDs are stored, or 'IDLE'. A stopped or offline agent
  -- keeps the task it was last on, so the panel shows what was interrupted.
  vtid        text not null default 'IDLE' check (length(vtid) between 1 and 64),
  status      text not null check (status in ('online', 'idle', 'offline', 'stopped')),
  tenant      text not null default 'system',
  -- The agent's own beat interval: "silent for three intervals" is measured in it.
  interval_ms integer not null check (interval_ms between 1000 and 3600000),
  -- Both times come from the gateway's clock (passed as parameters, not now()), so tests can move it.
  last_seen   timestamptz not null,
  -- When status or vtid last changed: the time of the agent's latest OASIS event.
  updated_at  timestamptz not null,
  created_at  timestamptz not null default now()
);

-- The offline detector scans live agents every few seconds on every instance. There are tens of
-- agents, not millions, so this partial index is about intent more than speed.
create index oasis_agents_live_last_seen_idx on public.oasis_agents (last_seen) where status in ('online', 'idle');
create index oasis_agents_tenant_idx on public.oasis_agents (tenant, agent);
