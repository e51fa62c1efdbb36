-- What Supabase already provides, created only when missing so that a plain PostgreSQL (CI, laptops,
-- the embedded PGlite) behaves like Supabase. On Supabase every statement here is a no-op.

-- Roles are cluster-wide; several databases migrating at once (parallel tests) may race to create
-- them, so both "already exists" and the catalog's unique violation count as success.
do $$
declare
  wanted text[][] := array[
    array['anon', 'nologin noinherit'],
    array['authenticated', 'nologin noinherit'],
    array['service_role', 'nologin noinherit bypassrls']
  ];
  i int;
begin
  for i in 1 .. array_length(wanted, 1) loop
    if not exists (select 1 from pg_roles where rolname = wanted[i][1]) then
      begin
        execute format('create role %I %s', wanted[i][1], wanted[i][2]);
      exception when duplicate_object or unique_violation then
        null;
      end;
    end if;
  end loop;
end
$$;

-- Our connection user must be able to `set local role` to each of them (Supabase's postgres user is).
do $$
begin
  if not exists (select 1 from pg_roles where rolname = current_user and rolsuper) then
    execute format('grant anon, authenticated, service_role to %I', current_user);
  end if;
end
$$;

create schema if not exists auth;
grant usage on schema auth to anon, authenticated, service_role;
grant usage on schema public to anon, authenticated, service_role;

-- auth.jwt() and auth.uid() read the claims our request transactions set, as on Supabase.
do $$
begin
  if to_regprocedure('auth.jwt()') is null then
    create function auth.jwt() returns jsonb
      language sql stable
      as $fn$ select coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb $fn$;
  end if;
  if to_regprocedure('auth.uid()') is null then
    create function auth.uid() returns uuid
      language sql stable
      as $fn$ select nullif(auth.jwt() ->> 'sub', '')::uuid $fn$;
  end if;
end
$$;
grant execute on function auth.jwt() to anon, authenticated, service_role;
