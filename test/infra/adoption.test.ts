/**
 * Adopting a running system (the seed's hand-made vitana-gateway, secrets and scheduler job): config
 * `adopt` names existing resources, and those resources are declared with the `import` option (the id
 * `pulumi import` takes) and retainOnDelete, so the first `up` takes them over instead of failing 409.
 */
import { describe, expect, it } from 'vitest';
import { ADOPTABLE } from '../../infra/adoption.js';
import { devConfig, GCP_PROJECT, one, runProgram, runProgramExpectingError, type Registered } from './harness.js';

/** Resource type of each kind of adoptable resource, and the input that holds its GCP name. */
const KIND = {
  service: { type: 'gcp:cloudrunv2/service:Service', name: (r: Registered) => r.inputs.name },
  job: { type: 'gcp:cloudscheduler/job:Job', name: (r: Registered) => r.inputs.name },
  secret: { type: 'gcp:secretmanager/secret:Secret', name: (r: Registered) => r.inputs.secretId },
  account: { type: 'gcp:serviceaccount/account:Account', name: (r: Registered) => r.inputs.accountId },
  registry: { type: 'gcp:artifactregistry/repository:Repository', name: (r: Registered) => r.inputs.repositoryId },
} as const;

const SEED = ['vitana-gateway', 'GITHUB_WEBHOOK_SECRET', 'SUPABASE_DB_URL', 'SUPABASE_JWT_SECRET', 'deploy-watcher-poll'];

describe('adopt', () => {
  it('declares nothing as an import by default', async () => {
    const run = await runProgram(devConfig());
    expect(run.resources.filter((r) => r.importId !== undefined || r.retainOnDelete)).toEqual([]);
  });

  it("imports the seed's hand-made gateway, its secrets and the scheduler job by the ids pulumi import takes", async () => {
    const run = await runProgram(devConfig({ adopt: SEED }));
    const imports = Object.fromEntries(
      run.resources.filter((r) => r.importId !== undefined).map((r) => [`${r.type} ${r.name}`, r.importId]),
    );
    const region = `projects/${GCP_PROJECT}/locations/us-central1`;
    expect(imports).toEqual({
      'gcp:cloudrunv2/service:Service vitana-gateway': `${region}/services/vitana-gateway`,
      'gcp:secretmanager/secret:Secret GITHUB_WEBHOOK_SECRET': `projects/${GCP_PROJECT}/secrets/GITHUB_WEBHOOK_SECRET`,
      'gcp:secretmanager/secret:Secret SUPABASE_DB_URL': `projects/${GCP_PROJECT}/secrets/SUPABASE_DB_URL`,
      'gcp:secretmanager/secret:Secret SUPABASE_JWT_SECRET': `projects/${GCP_PROJECT}/secrets/SUPABASE_JWT_SECRET`,
      'gcp:cloudscheduler/job:Job deploy-watcher-poll': `${region}/jobs/deploy-watcher-poll`,
    });
    // What the stack did not create, it never deletes (destroy, or a replacement it would 409 on).
    for (const r of run.resources.filter((r) => r.importId !== undefined)) expect(r.retainOnDelete, r.name).toBe(true);
    // Their secret versions are new ones the stack writes: the hand-made versions are left alone.
    expect(one(run, 'gcp:secretmanager/secretVersion:SecretVersion', 'SUPABASE_DB_URL').importId).toBeUndefined();
  });

  it('knows every fixed-name resource it can adopt, and each by the right kind and id', async () => {
    const run = await runProgram(devConfig({ adopt: Object.keys(ADOPTABLE) }));
    const region = `projects/${GCP_PROJECT}/locations/us-central1`;
    for (const [name, kind] of Object.entries(ADOPTABLE)) {
      const { type, name: nameOf } = KIND[kind];
      const declared = run.resources.filter((r) => r.type === type && nameOf(r) === name);
      expect(declared, `${kind} ${name}`).toHaveLength(1);
      expect(declared[0]!.importId, `${kind} ${name}`).toBe(
        {
          service: `${region}/services/${name}`,
          job: `${region}/jobs/${name}`,
          secret: `projects/${GCP_PROJECT}/secrets/${name}`,
          account: `projects/${GCP_PROJECT}/serviceAccounts/${name}@${GCP_PROJECT}.iam.gserviceaccount.com`,
          registry: `${region}/repositories/${name}`,
        }[kind],
      );
    }
    // And nothing of a fixed-name kind is missing from the table.
    for (const { type, name: nameOf } of Object.values(KIND)) {
      for (const r of run.resources.filter((r) => r.type === type)) expect(ADOPTABLE, `${type} ${nameOf(r)}`).toHaveProperty([nameOf(r)]);
    }
  });

  it('refuses a name it does not declare, before declaring anything', async () => {
    const { error, resources } = await runProgramExpectingError(devConfig({ adopt: ['vitana-gateway', 'SUPABASE_URL'] }));
    expect(error.message).toContain('adopt entry "SUPABASE_URL" is not one of vitana-gateway, deploy-watcher');
    expect(resources).toEqual([]);
  });
});
