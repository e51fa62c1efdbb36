/**
 * Adopting resources that exist already. The seed's system runs `vitana-gateway`, its secrets and the
 * scheduler job by hand; declaring resources of the same names fails the first `up` with 409
 * ALREADY_EXISTS. Config `adopt` lists the names of such resources: each is declared with the `import`
 * option (its id computed here from project and region), so the first `up` takes it over and then
 * updates it to what the program declares. Once in the state the option is a no-op, so `adopt` may stay.
 *
 * Adopted resources are also `retainOnDelete`: the stack did not create them, so neither `pulumi
 * destroy` nor a replacement deletes them. A replacement of one (a fixed-name resource whose immutable
 * settings differ, e.g. a secret's replication) then fails with 409 instead of deleting the original:
 * the preview shows it, and docs/DEPLOY.md says what to do.
 */
import type * as pulumi from '@pulumi/pulumi';

export type AdoptableKind = 'service' | 'job' | 'secret' | 'account' | 'registry';

/**
 * Every fixed-name resource the program declares that may already exist, by its GCP name. A test keeps
 * this table equal to what the program declares (test/infra/adoption.test.ts).
 */
export const ADOPTABLE: Readonly<Record<string, AdoptableKind>> = {
  'vitana-gateway': 'service',
  'deploy-watcher': 'service',
  'deploy-watcher-poll': 'job',
  GITHUB_WEBHOOK_SECRET: 'secret',
  SUPABASE_SERVICE_ROLE: 'secret',
  SUPABASE_DB_URL: 'secret',
  SUPABASE_JWT_SECRET: 'secret',
  'oasis-gateway': 'account',
  'oasis-watcher': 'account',
  'oasis-scheduler': 'account',
  'vitana-oasis': 'registry',
};

/** What `adopted` needs from the stack config. */
export interface AdoptionConfig {
  project: string;
  region: string;
  adopt: ReadonlySet<string>;
}

/** The id `pulumi import` and the `import` option take for a resource of this kind and name. */
export function importId(config: AdoptionConfig, kind: AdoptableKind, name: string): string {
  const { project, region } = config;
  switch (kind) {
    case 'service':
      return `projects/${project}/locations/${region}/services/${name}`;
    case 'job':
      return `projects/${project}/locations/${region}/jobs/${name}`;
    case 'secret':
      return `projects/${project}/secrets/${name}`;
    case 'account':
      return `projects/${project}/serviceAccounts/${name}@${project}.iam.gserviceaccount.com`;
    case 'registry':
      return `projects/${project}/locations/${region}/repositories/${name}`;
  }
}

/**
 * Resource options for the resource called `name`: `import` + `retainOnDelete` when config `adopt`
 * names it, nothing otherwise. Spread them into the resource's options.
 */
export function adopted(config: AdoptionConfig, kind: AdoptableKind, name: string): pulumi.CustomResourceOptions {
  if (!config.adopt.has(name)) return {};
  return { import: importId(config, kind, name), retainOnDelete: true };
}
