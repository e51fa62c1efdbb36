-- A role that reads and never writes: the credential for a wall-screen Live Console (issue 16 #8),
-- minted with `npm run token -- --read-only`. Tokens carry `"role": "oasis_reader"`; the gateway runs
-- their SQL as this role, and so would Supabase's REST API (PostgREST switches to the token's role),
-- so the grants and policies (policies/008) are what keep it read-only, not the gateway alone.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'oasis_reader') then
    begin
      create role oasis_reader nologin noinherit;
    exception when duplicate_object or unique_violation then
      null;
    end;
  end if;
end
$$;

-- Our connection user (and Supabase's PostgREST login role, where it exists) must be able to switch to it.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = current_user and rolsuper) then
    execute format('grant oasis_reader to %I', current_user);
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticator') then
    grant oasis_reader to authenticator;
  end if;
end
$$;

grant usage on schema public, auth to oasis_reader;
grant execute on function auth.jwt() to oasis_reader;
