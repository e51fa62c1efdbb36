/**
 * The same program with other configurations: prebuilt images (CI), GitHub webhooks, and the settings
 * that flow into the services (a Supabase project verified with its signing keys only among them).
 */
import { describe, expect, it } from 'vitest';
import { SUPPORTED_EVENTS } from '../../runtime/github/describe.js';
import { WEBHOOK_EVENTS } from '../../infra/github-hooks.js';
import {
  CHANGE_ENV,
  devConfig,
  GENERATED_WEBHOOK_SECRET,
  IMAGE_DIGEST,
  one,
  ofType,
  runProgram,
  secretness,
  serviceUri,
  type Registered,
} from './harness.js';

const RUN = 'gcp:cloudrunv2/service:Service';
const IMAGE = 'docker-build:index:Image';
const WEBHOOK = 'github:index/repositoryWebhook:RepositoryWebhook';
const GATEWAY_IMAGE = 'us-central1-docker.pkg.dev/lovable-vitana-vers1/vitana-oasis/oasis@sha256:feedface';
const WATCHER_IMAGE = 'us-central1-docker.pkg.dev/lovable-vitana-vers1/vitana-oasis/oasis@sha256:deadbeef';

const imageOf = (service: Registered) => service.inputs.template.containers[0].image;
const env = (service: Registered, name: string) =>
  service.inputs.template.containers[0].envs.find((e: any) => e.name === name)?.value;

describe('prebuilt images', () => {
  it('builds nothing when gatewayImage and watcherImage are given, and runs exactly those images', async () => {
    const run = await runProgram(devConfig({ gatewayImage: GATEWAY_IMAGE, watcherImage: WATCHER_IMAGE }));
    expect(ofType(run, IMAGE)).toEqual([]);
    expect(imageOf(one(run, RUN, 'vitana-gateway'))).toBe(GATEWAY_IMAGE);
    expect(imageOf(one(run, RUN, 'deploy-watcher'))).toBe(WATCHER_IMAGE);
    // The registry stays: it is where CI pushes those images.
    expect(ofType(run, 'gcp:artifactregistry/repository:Repository')).toHaveLength(1);
  });

  it('builds the image for whichever service has no prebuilt one', async () => {
    const run = await runProgram(devConfig({ gatewayImage: GATEWAY_IMAGE }));
    expect(ofType(run, IMAGE)).toHaveLength(1);
    expect(imageOf(one(run, RUN, 'vitana-gateway'))).toBe(GATEWAY_IMAGE);
    expect(imageOf(one(run, RUN, 'deploy-watcher'))).toMatch(new RegExp(`/vitana-oasis/oasis@${IMAGE_DIGEST}$`));
  });
});

describe('GitHub webhooks', () => {
  /** DEPLOY's environment: the change's VTID and the hooks token (secret WEBHOOK_ADMIN_TOKEN). */
  const withToken = { ...CHANGE_ENV, GITHUB_TOKEN: 'ghp_test-token' };
  const repositories = ['exafyltd/vitana-platform', 'exafyltd/vitana-oasis', 'other-org/tools'];

  it('declares one JSON webhook per configured repository, signed with the generated secret', async () => {
    const run = await runProgram(devConfig({ githubRepositories: repositories }), withToken);
    const hooks = ofType(run, WEBHOOK);
    expect(hooks.map((h) => h.inputs.repository).sort()).toEqual(['tools', 'vitana-oasis', 'vitana-platform']);
    for (const hook of hooks) {
      expect(hook.inputs.active).toBe(true);
      // The configuration carries the secret, so Pulumi keeps all of it secret (state and diffs).
      expect(secretness(hook.inputs.configuration)).toEqual({ secret: true, value: {
        url: `${serviceUri('vitana-gateway')}/webhooks/github`,
        contentType: 'json',
        secret: GENERATED_WEBHOOK_SECRET,
        insecureSsl: false,
      } });
      expect([...hook.inputs.events].sort()).toEqual([
        'check_run',
        'check_suite',
        'deployment',
        'deployment_status',
        'pull_request',
        'push',
        'release',
        'workflow_job',
        'workflow_run',
      ]);
      // A hook switches secrets only after the gateway revision that accepts the new one is up.
      expect(hook.dependencies).toContain(`${RUN} vitana-gateway`);
    }
    // One provider per owner, so repositories of several owners work in one stack.
    const providers = run.resources.filter((r) => r.type === 'pulumi:providers:github');
    expect(providers.map((p) => p.inputs.owner).sort()).toEqual(['exafyltd', 'other-org']);
  });

  it('subscribes to every event the receiver normalizes (runtime/github/describe.ts) but ping, which GitHub sends unasked', () => {
    expect([...WEBHOOK_EVENTS].sort()).toEqual(SUPPORTED_EVENTS.filter((e) => e !== 'ping').sort());
    expect(SUPPORTED_EVENTS).toContain('ping');
  });

  it('refuses to create webhooks without a token that may manage them, but previews without one', async () => {
    const { runProgramExpectingError } = await import('./harness.js');
    const { error, resources } = await runProgramExpectingError(devConfig({ githubRepositories: repositories }), CHANGE_ENV);
    expect(error.message).toContain('githubRepositories is set but there is no GitHub token: export GITHUB_TOKEN');
    expect(resources).toEqual([]);
    // github:token in the stack config serves as well.
    const fromConfig = await runProgram(devConfig({ githubRepositories: repositories, 'github:token': 'ghp_x' }), CHANGE_ENV);
    expect(ofType(fromConfig, WEBHOOK)).toHaveLength(3);
    // A preview (pull requests get no hooks token) only compares, so it needs none.
    const preview = await runProgram(devConfig({ githubRepositories: repositories }), CHANGE_ENV, { preview: true });
    expect(ofType(preview, WEBHOOK)).toHaveLength(3);
  });

  it('refuses a repository that is not "owner/name"', async () => {
    const { runProgramExpectingError } = await import('./harness.js');
    const { error, resources } = await runProgramExpectingError(devConfig({ githubRepositories: ['vitana-platform'] }));
    expect(error.message).toContain('githubRepositories entry "vitana-platform" is not "owner/name"');
    expect(resources).toEqual([]);
  });
});

describe('settings', () => {
  it('passes publicRead, minInstances, memory and deletionProtection through', async () => {
    const run = await runProgram(
      devConfig({ publicRead: true, minInstances: 2, memory: '1Gi', deletionProtection: true, pollSchedule: '*/5 * * * *' }),
    );
    const gateway = one(run, RUN, 'vitana-gateway');
    expect(env(gateway, 'OASIS_PUBLIC_READ')).toBe('true');
    expect(gateway.inputs.template.scaling.minInstanceCount).toBe(2);
    expect(gateway.inputs.template.containers[0].resources.limits.memory).toBe('1Gi');
    expect(gateway.inputs.deletionProtection).toBe(true);
    expect(one(run, 'gcp:cloudscheduler/job:Job', 'deploy-watcher-poll').inputs.schedule).toBe('*/5 * * * *');
  });

  it('passes SUPABASE_URL to the gateway as a plain value only when supabaseUrl is set, and stores it nowhere', async () => {
    const run = await runProgram(devConfig({ supabaseUrl: undefined }));
    const gateway = one(run, RUN, 'vitana-gateway');
    expect(gateway.inputs.template.containers[0].envs.map((e: any) => e.name)).not.toContain('SUPABASE_URL');
    expect(env(one(await runProgram(devConfig()), RUN, 'vitana-gateway'), 'SUPABASE_URL')).toBe('https://abcd.supabase.co');
    expect(ofType(run, 'gcp:secretmanager/secret:Secret').map((s) => s.name)).not.toContain('SUPABASE_URL');
    // The watcher does not use it.
    expect(one(run, RUN, 'deploy-watcher').inputs.template.containers[0].envs.map((e: any) => e.name)).not.toContain('SUPABASE_URL');
  });

  it('verifies with the signing keys only when supabaseJwtSecret is unset: no SUPABASE_JWT_SECRET anywhere, SUPABASE_URL passed', async () => {
    const run = await runProgram(devConfig({ supabaseJwtSecret: '' }));
    const gateway = one(run, RUN, 'vitana-gateway');
    const envNames = gateway.inputs.template.containers[0].envs.map((e: any) => e.name);
    expect(envNames).not.toContain('SUPABASE_JWT_SECRET');
    expect(env(gateway, 'SUPABASE_URL')).toBe('https://abcd.supabase.co');
    expect(ofType(run, 'gcp:secretmanager/secret:Secret').map((s) => s.name)).not.toContain('SUPABASE_JWT_SECRET');
    expect(ofType(run, 'gcp:secretmanager/secretIamMember:SecretIamMember').map((m) => m.inputs.secretId)).not.toContain('SUPABASE_JWT_SECRET');
    // The rest of the gateway's secrets are unchanged.
    expect(envNames).toEqual(expect.arrayContaining(['DATABASE_URL', 'GITHUB_WEBHOOK_SECRET']));
  });

  it('refuses a stack with neither supabaseJwtSecret nor supabaseUrl (its gateway would not start), before declaring anything', async () => {
    const { runProgramExpectingError } = await import('./harness.js');
    const { error, resources } = await runProgramExpectingError(devConfig({ supabaseJwtSecret: '', supabaseUrl: undefined }));
    expect(error.message).toContain('supabaseJwtSecret or supabaseUrl is required');
    expect(resources).toEqual([]);
  });

  it('refuses a supabaseUrl that is not a project URL', async () => {
    const { runProgramExpectingError } = await import('./harness.js');
    const { error } = await runProgramExpectingError(devConfig({ supabaseUrl: 'abcd.supabase.co/rest' }));
    expect(error.message).toContain('supabaseUrl "abcd.supabase.co/rest" must be the project URL');
  });

  it('applies the Pulumi.yaml defaults when keys are unset (deletion protection on)', async () => {
    const { deletionProtection: _omit, region: _region, ...rest } = devConfig();
    const run = await runProgram(rest);
    const gateway = one(run, RUN, 'vitana-gateway');
    expect(gateway.inputs.deletionProtection).toBe(true);
    expect(gateway.inputs.location).toBe('us-central1');
    expect(env(gateway, 'OASIS_PUBLIC_READ')).toBe('false');
  });

  it('reports every invalid setting in one message and declares nothing', async () => {
    const { runProgramExpectingError } = await import('./harness.js');
    const { error, resources } = await runProgramExpectingError(
      devConfig({ memory: 'lots', minInstances: -1, pollSchedule: 'every minute', region: 'US Central' }),
    );
    expect(error.message).toMatch(/^Invalid stack configuration:/);
    for (const key of ['memory', 'minInstances', 'pollSchedule', 'region']) expect(error.message).toContain(key);
    expect(resources).toEqual([]);
  });
});
