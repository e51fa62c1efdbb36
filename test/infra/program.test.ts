/**
 * The Pulumi program under mocks with the dev stack's configuration (build path, no GitHub repositories):
 * what it declares, how it is labelled, who may call and read what, and how the services are wired.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  accountEmail,
  devConfig,
  GCP_PROJECT,
  GENERATED_WEBHOOK_SECRET,
  IMAGE_DIGEST,
  one,
  ofType,
  policyViolations,
  runProgram,
  SECRET_VALUES,
  secretness,
  serviceUri,
  SUPABASE_URL,
  T,
  type Registered,
  type Run,
} from './harness.js';
import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { LABEL_PATHS } from '../../infra/policy-pack/policies.js';
import { BOOTSTRAP_APIS } from '../../infra/apis.js';


const EXPECTED_LABELS = { vtid: 'dev-cicdl-0031', vt_layer: 'dev', vt_module: 'cicdl', managed_by: 'pulumi' };
const SECRETS = ['GITHUB_WEBHOOK_SECRET', 'SUPABASE_SERVICE_ROLE', 'SUPABASE_DB_URL', 'SUPABASE_JWT_SECRET'];
const GATEWAY_SA = `serviceAccount:${accountEmail('oasis-gateway')}`;
const WATCHER_SA = `serviceAccount:${accountEmail('oasis-watcher')}`;
const SCHEDULER_SA = `serviceAccount:${accountEmail('oasis-scheduler')}`;

let run: Run;
let gateway: Registered;
let watcher: Registered;
beforeAll(async () => {
  run = await runProgram(devConfig());
  gateway = one(run, T.run, 'vitana-gateway');
  watcher = one(run, T.run, 'deploy-watcher');
});

const containerOf = (service: Registered) => service.inputs.template.containers[0];
const envOf = (service: Registered): Record<string, any> =>
  Object.fromEntries(containerOf(service).envs.map((e: any) => [e.name, e.valueSource ?? e.value]));

describe('resources', () => {
  it('declares exactly the expected resources', () => {
    const declared = run.resources.map((r) => `${r.type} ${r.name}`).sort();
    const expected = [
      ...['run', 'secretmanager', 'cloudscheduler', 'logging', 'artifactregistry', 'iam', 'iamcredentials', 'cloudresourcemanager'].map(
        (a) => `${T.api} api-${a}`,
      ),
      `${T.registry} registry`,
      `${T.image} oasis-image`,
      `${T.password} github-webhook-secret`,
      ...SECRETS.map((s) => `${T.secret} ${s}`),
      ...SECRETS.map((s) => `${T.secretVersion} ${s}`),
      ...['oasis-gateway', 'oasis-watcher', 'oasis-scheduler'].map((a) => `${T.account} ${a}`),
      ...['supabase-db-url', 'supabase-jwt-secret', 'github-webhook-secret'].map((s) => `${T.secretIam} oasis-gateway-reads-${s}`),
      `${T.secretIam} oasis-watcher-reads-supabase-service-role`,
      `${T.wait} oasis-gateway-secret-access-propagated`,
      `${T.wait} oasis-watcher-secret-access-propagated`,
      `${T.projectIam} oasis-watcher-logging-viewer`,
      `${T.run} vitana-gateway`,
      `${T.run} deploy-watcher`,
      `${T.runIam} vitana-gateway-public`,
      `${T.runIam} deploy-watcher-invoker-scheduler`,
      `${T.job} deploy-watcher-poll`,
    ].sort();
    expect(declared).toEqual(expected);
  });

  it('enables the required APIs without disabling them on destroy', () => {
    const apis = ofType(run, T.api);
    expect(apis.map((a) => a.inputs.service).sort()).toEqual(
      [
        'artifactregistry.googleapis.com',
        'cloudresourcemanager.googleapis.com',
        'cloudscheduler.googleapis.com',
        'iam.googleapis.com',
        'iamcredentials.googleapis.com',
        'logging.googleapis.com',
        'run.googleapis.com',
        'secretmanager.googleapis.com',
      ],
    );
    for (const api of apis) {
      expect(api.inputs.project).toBe(GCP_PROJECT);
      expect(api.inputs.disableOnDestroy).toBe(false);
    }
  });

  it('changes project IAM only after the Resource Manager API is on', () => {
    const member = one(run, T.projectIam, 'oasis-watcher-logging-viewer');
    expect(member.dependencies).toContain(`${T.api} api-cloudresourcemanager`);
  });

  it('lists as bootstrap (enabled by hand, docs/DEPLOY.md) the APIs needed before any program runs', () => {
    expect([...BOOTSTRAP_APIS].sort()).toEqual(
      ['cloudresourcemanager.googleapis.com', 'iamcredentials.googleapis.com', 'serviceusage.googleapis.com', 'sts.googleapis.com'],
    );
    const deployDoc = readFileSync(new URL('../../docs/DEPLOY.md', import.meta.url), 'utf8');
    const enable = /gcloud services enable ([^\n]+(?:\\\n[^\n]+)*)/.exec(deployDoc)?.[1] ?? '';
    for (const api of BOOTSTRAP_APIS) expect(enable, `docs/DEPLOY.md enables ${api}`).toContain(api);
  });

  it('exports every URL and the webhook secret, the secret as a secret output', () => {
    const base = serviceUri('vitana-gateway');
    expect(run.outputs).toEqual({
      gatewayUrl: base,
      webhookUrl: `${base}/webhooks/github`,
      feedUrl: `${base}/api/v1/devhub/feed`,
      eventsApiUrl: `${base}/api/v1/oasis/events`,
      consoleUrl: `${base}/`,
      watcherUrl: serviceUri('deploy-watcher'),
      webhookSecret: GENERATED_WEBHOOK_SECRET,
    });
    expect(run.secretOutputs.webhookSecret).toBe(true);
    expect(Object.entries(run.secretOutputs).filter(([, s]) => s).map(([k]) => k)).toEqual(['webhookSecret']);
  });
});

describe('labels', () => {
  it('puts vtid, vt_layer, vt_module and managed_by on every labellable resource', () => {
    const labellable = run.resources.filter((r) => r.type in LABEL_PATHS);
    // 2 Cloud Run services, 4 secrets, 1 registry: none may be missed.
    expect(labellable.map((r) => r.type).sort()).toEqual(
      [T.registry, T.run, T.run, ...SECRETS.map(() => T.secret)].sort(),
    );
    for (const resource of labellable) {
      for (const path of LABEL_PATHS[resource.type]!) {
        const labels = path.reduce<any>((o, k) => o?.[k], resource.inputs);
        expect(labels, `${resource.type} ${resource.name} ${path.join('.')}`).toEqual(EXPECTED_LABELS);
      }
    }
    expect(gateway.inputs.labels).toEqual(EXPECTED_LABELS);
    expect(watcher.inputs.labels).toEqual(EXPECTED_LABELS);
  });

  it('keeps the change-specific labels off the revision templates: a new VTID must not make a new revision', () => {
    expect(gateway.inputs.template.labels).toEqual({ managed_by: 'pulumi' });
    expect(watcher.inputs.template.labels).toEqual({ managed_by: 'pulumi' });
  });

  it('passes every policy of the CrossGuard pack', async () => {
    expect(await policyViolations(run)).toEqual([]);
  });
});

describe('who may call the services', () => {
  const invokers = (service: string) => ofType(run, T.runIam).filter((m) => m.inputs.name === service);

  it('makes the gateway public: allUsers may invoke it, from anywhere', () => {
    expect(gateway.inputs.ingress).toBe('INGRESS_TRAFFIC_ALL');
    expect(invokers('vitana-gateway').map((m) => [m.inputs.role, m.inputs.member])).toEqual([
      ['roles/run.invoker', 'allUsers'],
    ]);
  });

  it("keeps the watcher private: the scheduler's account is its only invoker", () => {
    expect(invokers('deploy-watcher').map((m) => [m.inputs.role, m.inputs.member])).toEqual([
      ['roles/run.invoker', SCHEDULER_SA],
    ]);
    const everyMember = run.resources.flatMap((r) => [r.inputs.member, ...(r.inputs.members ?? [])]);
    expect(everyMember.filter((m) => m === 'allUsers')).toHaveLength(1);
    expect(everyMember).not.toContain('allAuthenticatedUsers');
    expect(watcher.inputs.invokerIamDisabled).toBeUndefined();
  });

  it('calls POST /poll on the watcher with an OIDC token of the scheduler account (audience = watcher URL)', () => {
    const job = one(run, T.job, 'deploy-watcher-poll');
    const watcherUrl = serviceUri('deploy-watcher');
    expect(job.inputs.name).toBe('deploy-watcher-poll');
    expect(job.inputs.schedule).toBe('* * * * *');
    expect(job.inputs.region).toBe('us-central1');
    expect(job.inputs.httpTarget).toEqual({
      httpMethod: 'POST',
      uri: `${watcherUrl}/poll`,
      oidcToken: { serviceAccountEmail: accountEmail('oasis-scheduler'), audience: watcherUrl },
    });
    expect(job.inputs.attemptDeadline).toBe('60s');
    expect(job.inputs.retryConfig).toMatchObject({ retryCount: 2, maxRetryDuration: '50s' });
  });
});

describe('least privilege', () => {
  const readersOf = (member: string) =>
    ofType(run, T.secretIam)
      .filter((m) => m.inputs.member === member)
      .map((m) => {
        expect(m.inputs.role).toBe('roles/secretmanager.secretAccessor');
        return m.inputs.secretId;
      })
      .sort();
  const mounted = (service: Registered) =>
    containerOf(service)
      .envs.filter((e: any) => e.valueSource)
      .map((e: any) => e.valueSource.secretKeyRef.secret)
      .sort();

  it('lets each service account read exactly the secrets its service mounts', () => {
    expect(readersOf(GATEWAY_SA)).toEqual(['GITHUB_WEBHOOK_SECRET', 'SUPABASE_DB_URL', 'SUPABASE_JWT_SECRET']);
    expect(readersOf(WATCHER_SA)).toEqual(['SUPABASE_SERVICE_ROLE']);
    expect(readersOf(SCHEDULER_SA)).toEqual([]);
    expect(mounted(gateway)).toEqual(readersOf(GATEWAY_SA));
    expect(mounted(watcher)).toEqual(readersOf(WATCHER_SA));
    expect(gateway.inputs.template.serviceAccount).toBe(accountEmail('oasis-gateway'));
    expect(watcher.inputs.template.serviceAccount).toBe(accountEmail('oasis-watcher'));
  });

  it('grants no broad role: only accessor, logging.viewer (watcher, project) and run.invoker', () => {
    const roles = run.resources.filter((r) => r.inputs.role !== undefined).map((r) => r.inputs.role);
    expect(new Set(roles)).toEqual(
      new Set(['roles/secretmanager.secretAccessor', 'roles/logging.viewer', 'roles/run.invoker']),
    );
    const projectLevel = ofType(run, T.projectIam).map((m) => [m.inputs.project, m.inputs.role, m.inputs.member]);
    expect(projectLevel).toEqual([[GCP_PROJECT, 'roles/logging.viewer', WATCHER_SA]]);
    expect(roles.filter((r) => /editor|owner|admin/i.test(r))).toEqual([]);
  });

  it('creates one account per workload', () => {
    expect(ofType(run, T.account).map((a) => a.inputs.accountId).sort()).toEqual([
      'oasis-gateway',
      'oasis-scheduler',
      'oasis-watcher',
    ]);
  });
});

describe('first deploy: secret access has propagated before Cloud Run checks it', () => {
  const grantsOf = (member: string) => ofType(run, T.secretIam).filter((m) => m.inputs.member === member);

  it.each([
    ['vitana-gateway', 'oasis-gateway', GATEWAY_SA],
    ['deploy-watcher', 'oasis-watcher', WATCHER_SA],
  ])('%s depends on a bounded wait that depends on each of its accessor grants', (service, prefix, member) => {
    const wait = one(run, T.wait, `${prefix}-secret-access-propagated`);
    const grants = grantsOf(member);
    expect(grants.length).toBeGreaterThan(0);
    for (const grant of grants) expect(wait.dependencies).toContain(`${T.secretIam} ${grant.name}`);
    // A new grant changes this input, so the wait runs again then; unchanged grants do not wait.
    expect([...wait.inputs.grants].sort()).toEqual(grants.map((g) => `${g.name}-id`).sort());
    expect(wait.inputs.seconds).toBe(60);

    const runService = one(run, T.run, service);
    expect(runService.dependencies).toContain(`${T.wait} ${wait.name}`);
    // And on the versions it mounts.
    const mountedVersions = containerOf(runService)
      .envs.filter((e: any) => e.valueSource)
      .map((e: any) => `${T.secretVersion} ${e.valueSource.secretKeyRef.secret}`);
    for (const version of mountedVersions) expect(runService.dependencies).toContain(version);
  });

  it('ships a self-contained wait: the serialized provider runs with nothing but setTimeout, and waits only for new grants', async () => {
    // What Pulumi's dynamic provider host evaluates, here in a context with no require, no process, and
    // a setTimeout that records the delay it is asked for and returns at once.
    const wait = one(run, T.wait, 'oasis-gateway-secret-access-propagated');
    const delays: number[] = [];
    const sandbox = {
      exports: {} as { handler?: () => any },
      setTimeout: (callback: () => void, ms: number) => {
        delays.push(ms);
        callback();
      },
    };
    runInNewContext(String(wait.inputs.__provider), sandbox);
    const provider = sandbox.exports.handler!();
    expect(await provider.diff('id', { grants: ['a', 'b'], seconds: 60 }, { grants: ['b', 'a'], seconds: 60 })).toMatchObject({ changes: false });
    expect(await provider.diff('id', { grants: ['a'], seconds: 60 }, { grants: ['a', 'c'], seconds: 60 })).toMatchObject({ changes: true });
    const inputs = { grants: wait.inputs.grants, seconds: wait.inputs.seconds };
    expect(await provider.create(inputs)).toEqual({ id: 'iam-propagation', outs: inputs });
    expect(await provider.update('iam-propagation', inputs, inputs)).toEqual({ outs: inputs });
    expect(delays).toEqual([60_000, 60_000]);
  });
});

describe('secrets', () => {
  it('stores each secret with one version, as Pulumi secrets: the generated webhook secret and the stack secrets', () => {
    const versions = Object.fromEntries(
      ofType(run, T.secretVersion).map((v) => {
        const data = secretness(v.inputs.secretData);
        expect(data.secret, `${v.name} secretData is a Pulumi secret`).toBe(true);
        return [v.name, data.value];
      }),
    );
    expect(versions).toEqual({
      GITHUB_WEBHOOK_SECRET: GENERATED_WEBHOOK_SECRET,
      SUPABASE_SERVICE_ROLE: SECRET_VALUES.supabaseServiceRole,
      SUPABASE_DB_URL: SECRET_VALUES.supabaseDbUrl,
      SUPABASE_JWT_SECRET: SECRET_VALUES.supabaseJwtSecret,
    });
    for (const version of ofType(run, T.secretVersion)) {
      expect(version.inputs.secret).toBe(`projects/${GCP_PROJECT}/secrets/${version.name}`);
    }
    for (const secret of ofType(run, T.secret)) {
      expect(secret.inputs.secretId).toBe(secret.name);
      expect(secret.inputs.replication).toEqual({ auto: {} });
    }
    expect(one(run, T.password, 'github-webhook-secret').inputs).toMatchObject({ length: 48, special: false });
  });

  it('never puts a secret value in a plain env var', () => {
    const plainValues = [gateway, watcher].flatMap((s) =>
      containerOf(s).envs.filter((e: any) => e.value !== undefined).map((e: any) => String(e.value)),
    );
    for (const secret of [...Object.values(SECRET_VALUES), GENERATED_WEBHOOK_SECRET]) {
      expect(plainValues.some((v) => v.includes(secret))).toBe(false);
    }
  });
});

describe('gateway', () => {
  it('wires env vars: secrets from Secret Manager (SUPABASE_DB_URL as DATABASE_URL), settings as values', () => {
    const ref = (secret: string) => ({ secretKeyRef: { secret, version: '1' } });
    expect(envOf(gateway)).toEqual({
      DATABASE_URL: ref('SUPABASE_DB_URL'),
      SUPABASE_JWT_SECRET: ref('SUPABASE_JWT_SECRET'),
      GITHUB_WEBHOOK_SECRET: ref('GITHUB_WEBHOOK_SECRET'),
      // The project URL is not a secret: a plain value (the gateway derives its JWKS URL from it).
      SUPABASE_URL: SUPABASE_URL,
      OASIS_PUBLIC_READ: 'false',
      NODE_ENV: 'production',
      MIGRATE_ON_START: 'true',
    });
  });

  it('is one warm 512Mi instance with a one-hour timeout for the live feed, health-checked, unprotected in dev', () => {
    const { template } = gateway.inputs;
    expect(template.timeout).toBe('3600s');
    expect(template.scaling.minInstanceCount).toBe(1);
    expect(containerOf(gateway).resources.limits.memory).toBe('512Mi');
    expect(containerOf(gateway).ports).toEqual({ containerPort: 8080 });
    expect(containerOf(gateway).startupProbe.httpGet.path).toBe('/readyz');
    expect(containerOf(gateway).livenessProbe.httpGet.path).toBe('/healthz');
    expect(containerOf(gateway).commands).toBeUndefined(); // the image's CMD: node dist/gateway.js
    expect(gateway.inputs.deletionProtection).toBe(false);
    expect(gateway.inputs.location).toBe('us-central1');
  });
});

describe('watcher', () => {
  it('runs node dist/watcher.js with GATEWAY_URL, GOOGLE_CLOUD_PROJECT and the service-role secret', () => {
    expect(containerOf(watcher).commands).toEqual(['node']);
    expect(containerOf(watcher).args).toEqual(['dist/watcher.js']);
    expect(envOf(watcher)).toEqual({
      GATEWAY_URL: serviceUri('vitana-gateway'),
      GOOGLE_CLOUD_PROJECT: GCP_PROJECT,
      SUPABASE_SERVICE_ROLE: { secretKeyRef: { secret: 'SUPABASE_SERVICE_ROLE', version: '1' } },
      NODE_ENV: 'production',
    });
    expect(containerOf(watcher).startupProbe.httpGet.path).toBe('/healthz');
  });
});

describe('images (build path)', () => {
  const repo = `us-central1-docker.pkg.dev/${GCP_PROJECT}/vitana-oasis/oasis`;

  it('builds runtime/Dockerfile from the repo root, pushes it to the registry, and both services run its digest', () => {
    const registry = one(run, T.registry, 'registry');
    expect(registry.inputs).toMatchObject({ format: 'DOCKER', repositoryId: 'vitana-oasis', location: 'us-central1' });

    const image = one(run, T.image, 'oasis-image');
    expect(image.inputs).toMatchObject({
      context: { location: '.' },
      dockerfile: { location: 'runtime/Dockerfile' },
      platforms: ['linux/amd64'],
      push: true,
    });
    expect(image.inputs.tags).toEqual([`${repo}:latest`]);
    expect(containerOf(gateway).image).toBe(`${repo}@${IMAGE_DIGEST}`);
    expect(containerOf(watcher).image).toBe(`${repo}@${IMAGE_DIGEST}`);
  });

  it('reads and writes the registry build cache, with timestamps fixed so a rebuild of the same inputs keeps the digest', () => {
    const image = one(run, T.image, 'oasis-image');
    expect(image.inputs.cacheFrom).toEqual([{ registry: { ref: `${repo}:buildcache` } }]);
    expect(image.inputs.cacheTo).toEqual([
      { registry: { ref: `${repo}:buildcache`, mode: 'max', imageManifest: true, ociMediaTypes: true } },
    ]);
    expect(image.inputs.buildArgs).toEqual({ SOURCE_DATE_EPOCH: '0' });
  });

  it('gives the build nothing of the deploy: another change\'s VTID leaves every image input as it was', async () => {
    const other = await runProgram(devConfig(), { VTID: 'DEV-OASIS-0099' });
    expect(one(other, T.run, 'vitana-gateway').inputs.labels.vtid).toBe('dev-oasis-0099');
    expect(one(other, T.image, 'oasis-image').inputs).toEqual(one(run, T.image, 'oasis-image').inputs);
    // Neither does the revision template change: same image, same env, same labels.
    expect(one(other, T.run, 'vitana-gateway').inputs.template).toEqual(gateway.inputs.template);
    expect(one(other, T.run, 'deploy-watcher').inputs.template).toEqual(watcher.inputs.template);
  });

  it('declares no GitHub webhook when githubRepositories is empty', () => {
    expect(ofType(run, T.webhook)).toEqual([]);
    expect(run.resources.filter((r) => r.type.startsWith('pulumi:providers:github'))).toEqual([]);
  });
});
