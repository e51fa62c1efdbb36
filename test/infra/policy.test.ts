/**
 * The CrossGuard pack: each policy's validate function called directly with resource props, and the
 * pack booted the way `pulumi preview --policy-pack ./infra/policy-pack` boots it (Pulumi's policy runner), asked
 * over gRPC what it enforces and to analyze a resource.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ResourceValidationArgs, ResourceValidationPolicy } from '@pulumi/policy';
import { noPlaintextSecretEnv, onlyGatewayPublic, requiredLabels } from '../../infra/policy-pack/policies.js';

const LABELS = { vtid: 'dev-cicdl-0031', vt_layer: 'dev', vt_module: 'cicdl', managed_by: 'pulumi' };

async function violations(
  policy: ResourceValidationPolicy,
  type: string,
  props: Record<string, unknown>,
  config: object = {},
): Promise<string[]> {
  const found: string[] = [];
  const args: ResourceValidationArgs = {
    type,
    props,
    urn: `urn:pulumi:dev::vitana-oasis::${type}::r`,
    name: 'r',
    opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] } as never,
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => config as T,
    notApplicable: () => {
      throw new Error('not applicable');
    },
  };
  for (const validate of [policy.validateResource ?? []].flat()) await validate(args, (m) => found.push(m));
  return found;
}

const runService = (overrides: Record<string, unknown> = {}) => ({
  name: 'deploy-watcher',
  labels: LABELS,
  template: {
    labels: LABELS,
    containers: [{ image: 'img', envs: [{ name: 'NODE_ENV', value: 'production' }] }],
  },
  ...overrides,
});

describe('vitana-required-labels', () => {
  it('passes a fully labelled Cloud Run service, secret and registry', async () => {
    expect(await violations(requiredLabels, 'gcp:cloudrunv2/service:Service', runService())).toEqual([]);
    expect(await violations(requiredLabels, 'gcp:secretmanager/secret:Secret', { labels: LABELS })).toEqual([]);
    expect(await violations(requiredLabels, 'gcp:artifactregistry/repository:Repository', { labels: LABELS })).toEqual([]);
  });

  it('wants the labels on a Cloud Run service, not on its revision template (a label there makes every deploy a new revision)', async () => {
    const templateOnly = runService({ labels: undefined, template: { labels: LABELS, containers: [] } });
    expect(await violations(requiredLabels, 'gcp:cloudrunv2/service:Service', templateOnly)).toEqual([
      'gcp:cloudrunv2/service:Service "r": no labels; it needs vtid, vt_layer, vt_module.',
    ]);
    const serviceOnly = runService({ template: { labels: { managed_by: 'pulumi' }, containers: [] } });
    expect(await violations(requiredLabels, 'gcp:cloudrunv2/service:Service', serviceOnly)).toEqual([]);
  });

  it('flags each missing label and each invalid value', async () => {
    const found = await violations(requiredLabels, 'gcp:secretmanager/secret:Secret', {
      labels: { vtid: 'DEV-CICDL-0031', vt_layer: 'dev' },
    });
    expect(found).toEqual([
      'gcp:secretmanager/secret:Secret "r": labels.vtid = "DEV-CICDL-0031" is not a GCP label value ' +
        '(1 to 63 lower-case letters, digits, "_" and "-").',
      'gcp:secretmanager/secret:Secret "r": labels lacks "vt_module".',
    ]);
  });

  it("applies GCP's value rule: digits may lead, 63 characters at most, nothing empty", async () => {
    const secret = (labels: Record<string, string>) => violations(requiredLabels, 'gcp:secretmanager/secret:Secret', { labels: { ...LABELS, ...labels } });
    expect(await secret({ vt_module: '2fa', vt_layer: '_x' })).toEqual([]);
    expect(await secret({ vt_module: 'a'.repeat(63) })).toEqual([]);
    expect(await secret({ vt_module: 'a'.repeat(64) })).toHaveLength(1);
    expect(await secret({ vt_module: '' })).toHaveLength(1);
    expect(await secret({ vt_module: 'core/api' })).toHaveLength(1);
  });

  it('flags a labellable resource with no labels at all, and checks other gcp resources that set labels', async () => {
    expect(await violations(requiredLabels, 'gcp:storage/bucket:Bucket', {})).toHaveLength(1);
    expect(await violations(requiredLabels, 'gcp:redis/instance:Instance', { labels: { team: 'x' } })).toHaveLength(3);
  });

  it('ignores resources that take no labels', async () => {
    for (const type of [
      'gcp:cloudscheduler/job:Job',
      'gcp:serviceaccount/account:Account',
      'gcp:secretmanager/secretVersion:SecretVersion',
      'gcp:projects/iAMMember:IAMMember',
      'random:index/randomPassword:RandomPassword',
    ]) {
      expect(await violations(requiredLabels, type, { name: 'x' }), type).toEqual([]);
    }
  });
});

describe('vitana-only-gateway-public', () => {
  const member = 'gcp:cloudrunv2/serviceIamMember:ServiceIamMember';

  it('allows allUsers on the gateway only', async () => {
    const gw = { name: 'vitana-gateway', role: 'roles/run.invoker', member: 'allUsers' };
    expect(await violations(onlyGatewayPublic, member, gw)).toEqual([]);
    const watcher = { name: 'deploy-watcher', role: 'roles/run.invoker', member: 'allUsers' };
    expect(await violations(onlyGatewayPublic, member, watcher)).toEqual([
      'Cloud Run service "deploy-watcher" is made public (allUsers); only vitana-gateway may be.',
    ]);
  });

  it('recognises allAuthenticatedUsers, full service ids, bindings, policies and v1 services', async () => {
    const fullId = { name: 'projects/p/locations/us-central1/services/x', role: 'roles/run.invoker', member: 'allAuthenticatedUsers' };
    expect(await violations(onlyGatewayPublic, member, fullId)).toEqual([
      'Cloud Run service "x" is made public (allAuthenticatedUsers); only vitana-gateway may be.',
    ]);
    const binding = { name: 'x', role: 'roles/run.invoker', members: ['user:a@b.c', 'allUsers'] };
    expect(await violations(onlyGatewayPublic, 'gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding', binding)).toHaveLength(1);
    const policyData = JSON.stringify({ bindings: [{ role: 'roles/run.invoker', members: ['allUsers'] }] });
    expect(await violations(onlyGatewayPublic, 'gcp:cloudrunv2/serviceIamPolicy:ServiceIamPolicy', { name: 'x', policyData })).toHaveLength(1);
    expect(await violations(onlyGatewayPublic, 'gcp:cloudrun/iamMember:IamMember', { service: 'x', role: 'roles/run.invoker', member: 'allUsers' })).toHaveLength(1);
  });

  it('flags a non-gateway service that disables invoker IAM', async () => {
    expect(await violations(onlyGatewayPublic, 'gcp:cloudrunv2/service:Service', runService({ invokerIamDisabled: true }))).toEqual([
      'Cloud Run service "deploy-watcher" disables invoker IAM, which makes it public.',
    ]);
  });

  it('allows private invokers, other roles, unknown names (preview) and configured public services', async () => {
    expect(await violations(onlyGatewayPublic, member, { name: 'deploy-watcher', role: 'roles/run.invoker', member: 'serviceAccount:s@p.iam.gserviceaccount.com' })).toEqual([]);
    expect(await violations(onlyGatewayPublic, member, { name: 'x', role: 'roles/run.viewer', member: 'allUsers' })).toEqual([]);
    expect(await violations(onlyGatewayPublic, member, { role: 'roles/run.invoker', member: 'allUsers' })).toEqual([]);
    expect(
      await violations(onlyGatewayPublic, member, { name: 'status-page', role: 'roles/run.invoker', member: 'allUsers' }, { publicServices: ['vitana-gateway', 'status-page'] }),
    ).toEqual([]);
  });
});

describe('vitana-no-plaintext-secret-env', () => {
  const withEnv = (envs: unknown[]) => runService({ template: { labels: LABELS, containers: [{ name: 'app', envs }] } });

  it('passes secrets mounted from Secret Manager and harmless plain values', async () => {
    const envs = [
      { name: 'DATABASE_URL', valueSource: { secretKeyRef: { secret: 'SUPABASE_DB_URL', version: '1' } } },
      { name: 'NODE_ENV', value: 'production' },
      { name: 'GATEWAY_URL', value: 'https://vitana-gateway-x-uc.a.run.app' },
      { name: 'OASIS_PUBLIC_READ', value: 'false' },
    ];
    expect(await violations(noPlaintextSecretEnv, 'gcp:cloudrunv2/service:Service', withEnv(envs))).toEqual([]);
  });

  it('flags plain values under secret-looking names', async () => {
    const envs = [
      { name: 'GITHUB_WEBHOOK_SECRET', value: 'abc' },
      { name: 'SUPABASE_SERVICE_ROLE', value: 'abc' },
      { name: 'DATABASE_URL', value: 'postgres://localhost/db' },
    ];
    const found = await violations(noPlaintextSecretEnv, 'gcp:cloudrunv2/service:Service', withEnv(envs));
    expect(found).toHaveLength(3);
    expect(found[0]).toBe(
      'gcp:cloudrunv2/service:Service "r": env GITHUB_WEBHOOK_SECRET of app is a plain value but names a secret; ' +
        'mount it from Secret Manager with valueSource.secretKeyRef.',
    );
  });

  it('flags secret-looking values under innocent names, in services and jobs', async () => {
    const envs = [
      { name: 'CONN', value: 'postgres://oasis:hunter2@db:5432/postgres' },
      { name: 'X', value: 'eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZSJ9.c2lnbmF0dXJlMTIz' },
    ];
    const found = await violations(noPlaintextSecretEnv, 'gcp:cloudrunv2/service:Service', withEnv(envs));
    expect(found.map((m) => m.match(/looks like (a [\w ]+);/)?.[1])).toEqual(['a URL with a password', 'a JWT']);
    const job = { template: { template: { containers: [{ envs: [{ name: 'API_KEY', value: 'k' }] }] } } };
    expect(await violations(noPlaintextSecretEnv, 'gcp:cloudrunv2/job:Job', job)).toHaveLength(1);
  });
});

describe('the pack under Pulumi’s policy runner', () => {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const require = createRequire(path.join(root, 'package.json'));
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill();
  });

  it('boots from ./infra/policy-pack and enforces the three policies over gRPC', async () => {
    // What `pulumi-analyzer-policy` does: run @pulumi/pulumi's run-policy-pack in the pack directory.
    child = spawn(process.execPath, [require.resolve('@pulumi/pulumi/cmd/run-policy-pack'), '127.0.0.1:1', '.'], {
      cwd: path.join(root, 'infra', 'policy-pack'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += String(d)));
    const port = await new Promise<string>((resolve, reject) => {
      child!.stdout!.once('data', (d) => resolve(String(d).trim()));
      child!.once('exit', (code) => reject(new Error(`policy pack exited ${code}: ${stderr}`)));
    });
    expect(port).toMatch(/^\d+$/);

    const grpc = require('@grpc/grpc-js');
    const services = require('@pulumi/pulumi/proto/analyzer_grpc_pb.js');
    const messages = require('@pulumi/pulumi/proto/analyzer_pb.js');
    const { Empty } = require('google-protobuf/google/protobuf/empty_pb.js');
    const { Struct } = require('google-protobuf/google/protobuf/struct_pb.js');
    const client = new services.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const call = <T>(method: string, req: unknown) =>
      new Promise<T>((resolve, reject) => client[method](req, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))));

    const info = await call<any>('getAnalyzerInfo', new Empty());
    expect(info.getName()).toBe('vitana-platform');
    expect(info.getPoliciesList().map((p: any) => p.getName())).toEqual([
      'vitana-required-labels',
      'vitana-only-gateway-public',
      'vitana-no-plaintext-secret-env',
    ]);

    const req = new messages.AnalyzeRequest();
    req.setType('gcp:cloudrunv2/serviceIamMember:ServiceIamMember');
    req.setUrn('urn:pulumi:dev::vitana-oasis::gcp:cloudrunv2/serviceIamMember:ServiceIamMember::w');
    req.setName('w');
    req.setProperties(Struct.fromJavaScript({ name: 'deploy-watcher', role: 'roles/run.invoker', member: 'allUsers' }));
    req.setOptions(new messages.AnalyzerResourceOptions());
    const res = await call<any>('analyze', req);
    expect(res.getDiagnosticsList().map((d: any) => [d.getPolicyname(), d.getMessage()])).toEqual([
      ['vitana-only-gateway-public', expect.stringContaining('"deploy-watcher" is made public')],
    ]);
    client.close();
  });
});
