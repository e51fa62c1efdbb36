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
  type Registered,
  type Run,
} from './harness.js';
import { LABEL_PATHS } from '../../policy/policies.js';

const T = {
  api: 'gcp:projects/service:Service',
  registry: 'gcp:artifactregistry/repository:Repository',
  image: 'docker-build:index:Image',
  password: 'random:index/randomPassword:RandomPassword',
  secret: 'gcp:secretmanager/secret:Secret',
  secretVersion: 'gcp:secretmanager/secretVersion:SecretVersion',
  secretIam: 'gcp:secretmanager/secretIamMember:SecretIamMember',
  account: 'gcp:serviceaccount/account:Account',
  projectIam: 'gcp:projects/iAMMember:IAMMember',
  run: 'gcp:cloudrunv2/service:Service',
  runIam: 'gcp:cloudrunv2/serviceIamMember:ServiceIamMember',
  job: 'gcp:cloudscheduler/job:Job',
  webhook: 'github:index/repositoryWebhook:RepositoryWebhook',
} as const;

const EXPECTED_LABELS = { vtid: 'dev-cicdl-0031', vt_layer: 'dev', vt_module: 'cicdl', managed_by: 'pulumi' };
const SECRETS = ['GITHUB_WEBHOOK_SECRET', 'SUPABASE_URL', 'SUPABASE_SERVICE_ROLE', 'SUPABASE_DB_URL', 'SUPABASE_JWT_SECRET'];
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
      ...['run', 'secretmanager', 'cloudscheduler', 'logging', 'artifactregistry', 'iam'].map((a) => `${T.api} api-${a}`),
      `${T.registry} registry`,
      `${T.image} oasis-image`,
      `${T.password} github-webhook-secret`,
      ...SECRETS.map((s) => `${T.secret} ${s}`),
      ...SECRETS.map((s) => `${T.secretVersion} ${s}`),
      ...['oasis-gateway', 'oasis-watcher', 'oasis-scheduler'].map((a) => `${T.account} ${a}`),
      ...['supabase-db-url', 'supabase-jwt-secret', 'github-webhook-secret', 'supabase-url'].map(
        (s) => `${T.secretIam} oasis-gateway-reads-${s}`,
      ),
      `${T.secretIam} oasis-watcher-reads-supabase-service-role`,
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
        'cloudscheduler.googleapis.com',
        'iam.googleapis.com',
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
  it('puts vtid, vt_layer, vt_module and managed_by on every labellable resource, revision templates included', () => {
    const labellable = run.resources.filter((r) => r.type in LABEL_PATHS);
    // 2 Cloud Run services, 5 secrets, 1 registry: none may be missed.
    expect(labellable.map((r) => r.type).sort()).toEqual(
      [T.registry, T.run, T.run, ...SECRETS.map(() => T.secret)].sort(),
    );
    for (const resource of labellable) {
      for (const path of LABEL_PATHS[resource.type]!) {
        const labels = path.reduce<any>((o, k) => o?.[k], resource.inputs);
        expect(labels, `${resource.type} ${resource.name} ${path.join('.')}`).toEqual(EXPECTED_LABELS);
      }
    }
    expect(gateway.inputs.template.labels).toEqual(EXPECTED_LABELS);
    expect(watcher.inputs.template.labels).toEqual(EXPECTED_LABELS);
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
    expect(readersOf(GATEWAY_SA)).toEqual(['GITHUB_WEBHOOK_SECRET', 'SUPABASE_DB_URL', 'SUPABASE_JWT_SECRET', 'SUPABASE_URL']);
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
      SUPABASE_URL: SECRET_VALUES.supabaseUrl,
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
      SUPABASE_URL: ref('SUPABASE_URL'),
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
  it('builds runtime/Dockerfile from the repo root, pushes it to the registry, and both services run its digest', () => {
    const registry = one(run, T.registry, 'registry');
    expect(registry.inputs).toMatchObject({ format: 'DOCKER', repositoryId: 'vitana-oasis', location: 'us-central1' });

    const image = one(run, T.image, 'oasis-image');
    const repo = `us-central1-docker.pkg.dev/${GCP_PROJECT}/vitana-oasis/oasis`;
    expect(image.inputs).toMatchObject({
      context: { location: '.' },
      dockerfile: { location: 'runtime/Dockerfile' },
      platforms: ['linux/amd64'],
      push: true,
    });
    expect(image.inputs.tags).toEqual([`${repo}:latest`, `${repo}:dev-cicdl-0031`]);
    expect(containerOf(gateway).image).toBe(`${repo}@${IMAGE_DIGEST}`);
    expect(containerOf(watcher).image).toBe(`${repo}@${IMAGE_DIGEST}`);
  });

  it('declares no GitHub webhook when githubRepositories is empty', () => {
    expect(ofType(run, T.webhook)).toEqual([]);
    expect(run.resources.filter((r) => r.type.startsWith('pulumi:providers:github'))).toEqual([]);
  });
});
