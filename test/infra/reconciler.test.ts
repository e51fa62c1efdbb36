/**
 * The delivery reconciler in the Pulumi program, under mocks: declared only when `reconcileHooks` lists
 * a hook; a private Cloud Run service that only the scheduler's identity may invoke, called by its own
 * Cloud Scheduler job with an OIDC token; its own account reading exactly the database URL and the
 * GitHub credential, which comes from stack config into Secret Manager and is never a plain value.
 * Built like the other services: the gateway's pinned image, VTID labels off the revision template, and
 * a wait for its secret grants to propagate before Cloud Run checks them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  accountEmail,
  devConfig,
  GCP_PROJECT,
  IMAGE_DIGEST,
  one,
  ofType,
  policyViolations,
  runProgram,
  runProgramExpectingError,
  secretness,
  serviceUri,
  T,
  type Registered,
  type Run,
} from './harness.js';

const TOKEN = 'ghp_stacktoken0123456789abcdefghijklmnop';
const PEM = '-----BEGIN RSA PRIVATE KEY-----\nMIIEow-not-a-real-key\n-----END RSA PRIVATE KEY-----';
const HOOKS = ['repo:exafyltd/vitana-oasis/482919237', 'org:exafyltd/99'];
const LABELS = { vtid: 'dev-cicdl-0031', vt_layer: 'dev', vt_module: 'cicdl', managed_by: 'pulumi' };
const RECONCILER_SA = `serviceAccount:${accountEmail('oasis-reconciler')}`;
const SCHEDULER_SA = `serviceAccount:${accountEmail('oasis-scheduler')}`;

const containerOf = (service: Registered) => service.inputs.template.containers[0];
const envOf = (service: Registered): Record<string, any> =>
  Object.fromEntries(containerOf(service).envs.map((e: any) => [e.name, e.valueSource ?? e.value]));
const ref = (secret: string) => ({ secretKeyRef: { secret, version: '1' } });

describe('without reconcileHooks', () => {
  it('declares no reconciler at all', async () => {
    const run = await runProgram(devConfig());
    expect(run.resources.filter((r) => /reconcil/i.test(r.name))).toEqual([]);
  });
});

describe('with reconcileHooks and a token', () => {
  let run: Run;
  let service: Registered;
  beforeAll(async () => {
    run = await runProgram(devConfig({ reconcileHooks: HOOKS, reconcileGithubToken: TOKEN }));
    service = one(run, T.run, 'delivery-reconciler');
  });

  it('runs node dist/reconciler.js from the gateway image, with the hooks, the database URL and the token from Secret Manager', () => {
    expect(containerOf(service).commands).toEqual(['node']);
    expect(containerOf(service).args).toEqual(['dist/reconciler.js']);
    expect(containerOf(service).image).toBe(containerOf(one(run, T.run, 'vitana-gateway')).image);
    expect(containerOf(service).image).toContain(IMAGE_DIGEST);
    expect(envOf(service)).toEqual({
      DATABASE_URL: ref('SUPABASE_DB_URL'),
      GITHUB_TOKEN: ref('GITHUB_RECONCILER_CREDENTIAL'),
      RECONCILE_HOOKS: HOOKS.join(','),
      NODE_ENV: 'production',
    });
    expect(containerOf(service).startupProbe.httpGet.path).toBe('/healthz');
    expect(service.inputs.template.scaling).toEqual({ minInstanceCount: 0, maxInstanceCount: 1 });
    expect(service.inputs.labels).toEqual(LABELS);
  });

  it('keeps the change-specific labels off its revision template: a new VTID makes no new revision', async () => {
    expect(service.inputs.template.labels).toEqual({ managed_by: 'pulumi' });
    const other = await runProgram(devConfig({ reconcileHooks: HOOKS, reconcileGithubToken: TOKEN }), { VTID: 'DEV-OASIS-0099' });
    const otherService = one(other, T.run, 'delivery-reconciler');
    expect(otherService.inputs.labels.vtid).toBe('dev-oasis-0099');
    expect(otherService.inputs.template).toEqual(service.inputs.template);
  });

  it('starts only after its secret versions exist and its two grants have had time to propagate', () => {
    const wait = one(run, T.wait, 'oasis-reconciler-secret-access-propagated');
    const grants = ofType(run, T.secretIam).filter((m) => m.inputs.member === RECONCILER_SA);
    expect(grants).toHaveLength(2);
    for (const grant of grants) expect(wait.dependencies).toContain(`${T.secretIam} ${grant.name}`);
    expect([...wait.inputs.grants].sort()).toEqual(grants.map((g) => `${g.name}-id`).sort());
    expect(wait.inputs.seconds).toBe(60);
    expect(service.dependencies).toContain(`${T.wait} oasis-reconciler-secret-access-propagated`);
    for (const secret of ['SUPABASE_DB_URL', 'GITHUB_RECONCILER_CREDENTIAL']) expect(service.dependencies).toContain(`${T.secretVersion} ${secret}`);
  });

  it('stores the token as a secret version of its own labelled secret, never as a plain value', () => {
    const secret = one(run, T.secret, 'GITHUB_RECONCILER_CREDENTIAL');
    expect(secret.inputs).toMatchObject({ secretId: 'GITHUB_RECONCILER_CREDENTIAL', replication: { auto: {} }, labels: LABELS });
    const version = one(run, T.secretVersion, 'GITHUB_RECONCILER_CREDENTIAL');
    expect(version.inputs.secret).toBe(`projects/${GCP_PROJECT}/secrets/GITHUB_RECONCILER_CREDENTIAL`);
    expect(secretness(version.inputs.secretData)).toEqual({ secret: true, value: TOKEN });
    expect(JSON.stringify(containerOf(service).envs)).not.toContain(TOKEN);
    expect(JSON.stringify(one(run, T.job, 'delivery-reconciler-pass').inputs)).not.toContain(TOKEN);
  });

  it('gives the reconciler its own account, which may read exactly the database URL and the GitHub credential', () => {
    expect(service.inputs.template.serviceAccount).toBe(accountEmail('oasis-reconciler'));
    const grants = ofType(run, T.secretIam).filter((m) => m.inputs.member === RECONCILER_SA);
    expect(grants.map((m) => [m.inputs.secretId, m.inputs.role]).sort()).toEqual([
      ['GITHUB_RECONCILER_CREDENTIAL', 'roles/secretmanager.secretAccessor'],
      ['SUPABASE_DB_URL', 'roles/secretmanager.secretAccessor'],
    ]);
    // Nobody else may read the GitHub credential, and the reconciler has no other role anywhere.
    expect(ofType(run, T.secretIam).filter((m) => m.inputs.secretId === 'GITHUB_RECONCILER_CREDENTIAL').map((m) => m.inputs.member)).toEqual([RECONCILER_SA]);
    expect(run.resources.filter((r) => r.inputs.member === RECONCILER_SA && r.type !== T.secretIam)).toEqual([]);
    expect(one(run, T.account, 'oasis-reconciler').inputs).toMatchObject({ project: GCP_PROJECT, accountId: 'oasis-reconciler' });
  });

  it("is private: the scheduler's account is its only invoker, and nothing opens it to allUsers", () => {
    expect(service.inputs.ingress).toBe('INGRESS_TRAFFIC_ALL');
    expect(service.inputs.invokerIamDisabled).toBeUndefined();
    const invokers = ofType(run, T.runIam).filter((m) => m.inputs.name === 'delivery-reconciler');
    expect(invokers.map((m) => [m.inputs.role, m.inputs.member])).toEqual([['roles/run.invoker', SCHEDULER_SA]]);
    const everyMember = run.resources.flatMap((r) => [r.inputs.member, ...(r.inputs.members ?? [])]);
    expect(everyMember.filter((m) => m === 'allUsers')).toHaveLength(1); // the gateway's
  });

  it('is called every 15 minutes: POST /reconcile with an OIDC token of the scheduler account, no retries', () => {
    const job = one(run, T.job, 'delivery-reconciler-pass');
    const url = serviceUri('delivery-reconciler');
    expect(job.inputs).toMatchObject({ name: 'delivery-reconciler-pass', schedule: '*/15 * * * *', timeZone: 'Etc/UTC', region: 'us-central1', retryConfig: { retryCount: 0 } });
    expect(job.inputs.httpTarget).toEqual({
      httpMethod: 'POST',
      uri: `${url}/reconcile`,
      oidcToken: { serviceAccountEmail: accountEmail('oasis-scheduler'), audience: url },
    });
    // The watcher's schedule is untouched.
    expect(one(run, T.job, 'deploy-watcher-poll').inputs.schedule).toBe('* * * * *');
  });

  it('passes every policy of the CrossGuard pack', async () => {
    expect(await policyViolations(run)).toEqual([]);
  });
});

describe('with prebuilt images', () => {
  it("runs gatewayImage, the digest CI built, like the gateway", async () => {
    const image = 'us-central1-docker.pkg.dev/p/vitana-oasis/oasis@sha256:feedface';
    const run = await runProgram(
      devConfig({ reconcileHooks: HOOKS, reconcileGithubToken: TOKEN, gatewayImage: image, watcherImage: image }),
    );
    expect(containerOf(one(run, T.run, 'delivery-reconciler')).image).toBe(image);
    expect(ofType(run, T.image)).toEqual([]);
  });
});

describe('with a GitHub App', () => {
  it('mounts the private key as GITHUB_APP_PRIVATE_KEY, passes the App and installation ids, and follows reconcileIntervalMinutes', async () => {
    const run = await runProgram(
      devConfig({
        reconcileHooks: ['app', ...HOOKS],
        reconcileGithubAppId: '123456',
        reconcileGithubAppInstallationId: '7654321',
        reconcileGithubAppPrivateKey: PEM,
        reconcileIntervalMinutes: 5,
      }),
    );
    const service = one(run, T.run, 'delivery-reconciler');
    expect(envOf(service)).toEqual({
      DATABASE_URL: ref('SUPABASE_DB_URL'),
      GITHUB_APP_PRIVATE_KEY: ref('GITHUB_RECONCILER_CREDENTIAL'),
      GITHUB_APP_ID: '123456',
      GITHUB_APP_INSTALLATION_ID: '7654321',
      RECONCILE_HOOKS: ['app', ...HOOKS].join(','),
      NODE_ENV: 'production',
    });
    expect(secretness(one(run, T.secretVersion, 'GITHUB_RECONCILER_CREDENTIAL').inputs.secretData)).toEqual({ secret: true, value: PEM });
    expect(one(run, T.job, 'delivery-reconciler-pass').inputs.schedule).toBe('*/5 * * * *');
    expect(await policyViolations(run)).toEqual([]);
  });
});

describe('the optional secret keys at their Pulumi.yaml default (empty)', () => {
  it('declares no reconciler and refuses nothing without hooks', async () => {
    const run = await runProgram(devConfig({ reconcileGithubToken: '', reconcileGithubAppPrivateKey: '' }));
    expect(run.resources.filter((r) => /reconcil/i.test(r.name))).toEqual([]);
  });

  it('counts an empty token as no token when hooks are listed', async () => {
    const { error } = await runProgramExpectingError(devConfig({ reconcileHooks: HOOKS, reconcileGithubToken: ' ', reconcileGithubAppPrivateKey: '' }));
    expect(error.message).toContain('reconcileGithubToken is required');
  });
});

describe('refused stack configuration', () => {
  it.each([
    [{ reconcileHooks: HOOKS }, 'reconcileGithubToken is required (or reconcileGithubAppId and reconcileGithubAppPrivateKey for a GitHub App)'],
    [{ reconcileHooks: ['app'], reconcileGithubToken: TOKEN }, 'reconcileHooks lists app, which needs reconcileGithubAppId and reconcileGithubAppPrivateKey instead of reconcileGithubToken'],
    [{ reconcileHooks: HOOKS, reconcileGithubAppId: '1', reconcileGithubAppPrivateKey: PEM }, 'reconcileGithubAppInstallationId is required to read repository or organization hooks'],
    [{ reconcileHooks: ['repo:acme/api'], reconcileGithubToken: TOKEN }, 'reconcileHooks entry "repo:acme/api" is not repo:OWNER/NAME/HOOK_ID, org:ORG/HOOK_ID or app'],
    [{ reconcileGithubToken: TOKEN }, 'reconcileGithubToken set but reconcileHooks is empty'],
    [{ reconcileHooks: HOOKS, reconcileGithubToken: TOKEN, reconcileIntervalMinutes: 90 }, 'reconcileIntervalMinutes must be an integer from 1 to 60, got 90'],
  ])('%j: stops before declaring anything', async (overrides, expected) => {
    const { error, resources } = await runProgramExpectingError(devConfig(overrides));
    expect(error.message).toContain(expected);
    expect(error.message).not.toContain(TOKEN);
    expect(resources).toEqual([]);
  });
});
