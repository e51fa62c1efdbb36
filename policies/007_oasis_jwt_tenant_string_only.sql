-- The tenant claim counts only as a JSON string. policies/001 read it with ->>, which turns a number or
-- an array into its JSON text: a token with "tenant": 5 had no tenant for the gateway but tenant '5' for
-- these policies, so it could write rows of tenant '5'. Now both read the claim the same way
-- (runtime/http/auth.ts, which also refuses such a token with 403 invalid_tenant_claim):
--   - the top-level `tenant` decides whenever it is present and not JSON null (even as "");
--   - else `app_metadata.tenant`;
--   - a deciding claim that is not a string (number, boolean, array, object) is no tenant: never more
--     than a string claim would allow.
create or replace function public.oasis_jwt_tenant() returns text
  language sql stable
  as $$
    select case coalesce(nullif(jsonb_typeof(auth.jwt() -> 'tenant'), 'null'), 'absent')
      when 'string' then auth.jwt() ->> 'tenant'
      when 'absent' then
        case when jsonb_typeof(auth.jwt() -> 'app_metadata' -> 'tenant') = 'string'
          then auth.jwt() -> 'app_metadata' ->> 'tenant' end
    end
  $$;
