/**
 * The same program with other configurations: prebuilt images (CI), GitHub webhooks, and the settings
 * that flow into the services.
 */
import { describe, expect, it } from 'vitest';
import {
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
  it('declares one JSON webhook per configured repository, signed with the generated secret', async () => {
    const run = await runProgram(
      devConfig({ githubRepositories: ['exafyltd/vitana-platform', 'exafyltd/vitana-oasis', 'other-org/tools'] }),
    );
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
      expect([...hook.inputs.events].sort()).toEqual(
        ['check_run', 'check_suite', 'deployment_status', 'pull_request', 'push', 'workflow_job', 'workflow_run'],
      );
    }
    // One provider per owner, so repositories of several owners work in one stack.
    const providers = run.resources.filter((r) => r.type === 'pulumi:providers:github');
    expect(providers.map((p) => p.inputs.owner).sort()).toEqual(['exafyltd', 'other-org']);
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
