/**
 * Runs the Pulumi program under `pulumi.runtime.setMocks` and records every resource it registers.
 * The program modules are imported only after the mocks are in place, and config is read per run, so one
 * test file can run the program several times with different configs.
 */
import * as pulumi from '@pulumi/pulumi';
import { policies } from '../../infra/policy-pack/policies.js';

export const PROJECT = 'vitana-oasis';
export const GCP_PROJECT = 'lovable-vitana-vers1';

export interface Registered {
  type: string;
  name: string;
  inputs: Record<string, any>;
  state: Record<string, any>;
  /** The `import` resource option: the id of an existing resource to adopt, or undefined. */
  importId: string | undefined;
  /** `type name` of every resource this one depends on (dependsOn and inputs), as the engine sees them. */
  dependencies: string[];
  /** Resource options the engine receives that decide what a delete does. */
  retainOnDelete: boolean;
}

export type ConfigMap = Record<string, string | number | boolean | string[] | undefined>;

/** Values of the stack secrets in tests; no plain env var may ever carry one of them. */
export const SECRET_VALUES = {
  supabaseServiceRole: 'service-role-key-value',
  supabaseDbUrl: 'postgres://oasis:db-password@db.abcd.supabase.co:5432/postgres',
  supabaseJwtSecret: 'jwt-secret-value',
} as const;

export const GENERATED_WEBHOOK_SECRET = 'generated-webhook-secret-0123456789';

/** Not a secret: the Supabase project URL, a plain setting. */
export const SUPABASE_URL = 'https://abcd.supabase.co';

/** The dev stack's settings (Pulumi.dev.yaml, which sets no `vtid`) plus the secrets. */
export function devConfig(overrides: ConfigMap = {}): ConfigMap {
  return {
    'gcp:project': GCP_PROJECT,
    'gcp:region': 'us-central1',
    region: 'us-central1',
    layer: 'DEV',
    module: 'CICDL',
    deletionProtection: false,
    supabaseUrl: SUPABASE_URL,
    ...SECRET_VALUES,
    ...overrides,
  };
}

/** What CI hands the program: the VTID of the change (scripts/ensure-vtid.sh). */
export const CHANGE_ENV: NodeJS.ProcessEnv = { VTID: 'DEV-CICDL-0031' };

export const serviceUri = (name: string) => `https://${name}-4x2k7q-uc.a.run.app`;
export const accountEmail = (id: string) => `${id}@${GCP_PROJECT}.iam.gserviceaccount.com`;
export const IMAGE_DIGEST = 'sha256:0123456789abcdef';

/**
 * Computed outputs the program reads, as the providers would return them. `versions` counts the
 * versions of each secret, numbered from 1 as Secret Manager numbers them.
 */
function stateFor(
  type: string,
  name: string,
  inputs: Record<string, any>,
  versions: Map<string, number>,
): { id: string; state: Record<string, any> } {
  switch (type) {
    case 'gcp:cloudrunv2/service:Service':
      return { id: `${inputs.location}/${inputs.name}`, state: { ...inputs, uri: serviceUri(inputs.name) } };
    case 'gcp:serviceaccount/account:Account': {
      const email = accountEmail(inputs.accountId);
      return { id: email, state: { ...inputs, email, member: `serviceAccount:${email}` } };
    }
    case 'gcp:secretmanager/secret:Secret':
      return { id: `projects/${inputs.project}/secrets/${inputs.secretId}`, state: { ...inputs } };
    case 'gcp:secretmanager/secretVersion:SecretVersion': {
      const n = (versions.get(inputs.secret) ?? 0) + 1;
      versions.set(inputs.secret, n);
      return { id: `${inputs.secret}/versions/${n}`, state: { ...inputs, version: String(n), name: `${inputs.secret}/versions/${n}` } };
    }
    case 'random:index/randomPassword:RandomPassword':
      return { id: name, state: { ...inputs, result: GENERATED_WEBHOOK_SECRET } };
    case 'docker-build:index:Image': {
      const repo = String(inputs.tags?.[0] ?? '').replace(/:[^:/]+$/, '');
      return { id: name, state: { ...inputs, digest: IMAGE_DIGEST, ref: `${repo}@${IMAGE_DIGEST}` } };
    }
    default:
      return { id: `${name}-id`, state: { ...inputs } };
  }
}

function resolve<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((done) => output.apply((v) => done(v)));
}

export interface Run {
  resources: Registered[];
  outputs: Record<string, unknown>;
  /** Output name -> whether Pulumi treats it as a secret. */
  secretOutputs: Record<string, boolean>;
}

/** `type name` of a resource from its URN (urn:pulumi:stack::project::[parent$]type::name). */
function typeAndName(urn: string): string {
  const parts = urn.split('::');
  const type = parts[2]!.split('$').pop()!;
  return `${type} ${parts[3]}`;
}

/** What the mocks' newResource does not see: dependencies and delete options, keyed by `type name`. */
interface Wire {
  dependencies: string[];
  retainOnDelete: boolean;
}

async function installMocks(resources: Registered[], preview = false): Promise<void> {
  const wire = new Map<string, Wire>();
  const versions = new Map<string, number>();
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const { id, state } = stateFor(args.type, args.name, args.inputs, versions);
        const seen = wire.get(`${args.type} ${args.name}`) ?? { dependencies: [], retainOnDelete: false };
        resources.push({ type: args.type, name: args.name, inputs: args.inputs, state, importId: args.id || undefined, ...seen });
        return { id, state };
      },
      call(args) {
        return args.inputs;
      },
    },
    PROJECT,
    'test',
    preview,
  );
  // The mock monitor hands newResource only type, name, inputs and import id. The request itself
  // carries the dependencies the engine would order operations by: read them before it is answered.
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: RegisterRequest, callback: unknown): unknown;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    wire.set(`${req.getType()} ${req.getName()}`, {
      dependencies: req.getDependenciesList().map(typeAndName),
      retainOnDelete: req.getRetainondelete?.() ?? false,
    });
    return register(req, callback);
  };
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getDependenciesList(): string[];
  getRetainondelete?(): boolean;
}

/** Keys set with `pulumi config set --secret` in a real stack. */
const SECRET_KEYS = [
  ...Object.keys(SECRET_VALUES),
  'githubWebhookSecret',
  'githubWebhookSecretNext',
  'reconcileGithubToken',
  'reconcileGithubAppPrivateKey',
];

function setConfig(config: ConfigMap): void {
  const map: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) continue;
    const fullKey = key.includes(':') ? key : `${PROJECT}:${key}`;
    map[fullKey] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  pulumi.runtime.setAllConfig(map, SECRET_KEYS.map((k) => `${PROJECT}:${k}`));
}

/**
 * Runs readConfig + deploy with `config` and `env`, waits for every registration, resolves the outputs.
 * `preview` runs it as `pulumi preview` would (isDryRun).
 */
export async function runProgram(
  config: ConfigMap,
  env: NodeJS.ProcessEnv = CHANGE_ENV,
  options: { preview?: boolean } = {},
): Promise<Run> {
  const resources: Registered[] = [];
  await installMocks(resources, options.preview ?? false);
  setConfig(config);
  const { readConfig } = await import('../../infra/config.js');
  const { deploy } = await import('../../infra/index.js');

  const outputs = deploy(readConfig(env)) as unknown as Record<string, pulumi.Output<unknown>>;
  const resolved: Record<string, unknown> = {};
  const secretOutputs: Record<string, boolean> = {};
  for (const [key, output] of Object.entries(outputs)) {
    resolved[key] = await resolve(output);
    secretOutputs[key] = await (output as unknown as { isSecret: Promise<boolean> }).isSecret;
  }
  // Wait until every outstanding registration reached the mocks.
  await pulumi.runtime.disconnect();
  return { resources, outputs: resolved, secretOutputs };
}

/** Runs readConfig + deploy expecting readConfig to refuse; returns the error and what got registered. */
export async function runProgramExpectingError(
  config: ConfigMap,
  env: NodeJS.ProcessEnv = CHANGE_ENV,
): Promise<{ error: Error; resources: Registered[] }> {
  const resources: Registered[] = [];
  await installMocks(resources);
  setConfig(config);
  const { readConfig } = await import('../../infra/config.js');
  const { deploy } = await import('../../infra/index.js');
  let error: Error | undefined;
  try {
    deploy(readConfig(env));
  } catch (e) {
    error = e as Error;
  }
  await pulumi.runtime.disconnect();
  if (!error) throw new Error('expected the program to refuse this configuration');
  return { error, resources };
}

/** Pulumi's wire marker for a secret value, as mocks receive it. */
const SECRET_SIG = '4dabf18193072939515e22adb298388d';
const SECRET_SIG_VALUE = '1b47061264138c4ac30d75fd1eb44270';

/** `{ secret: true, value }` for a value the program marked secret, `{ secret: false, value }` otherwise. */
export function secretness(input: unknown): { secret: boolean; value: unknown } {
  if (input !== null && typeof input === 'object' && (input as Record<string, unknown>)[SECRET_SIG] === SECRET_SIG_VALUE) {
    return { secret: true, value: (input as { value: unknown }).value };
  }
  return { secret: false, value: input };
}

/** Resource type tokens the tests look for. */
export const T = {
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
  wait: 'pulumi-nodejs:dynamic:Resource',
} as const;

export const ofType = (run: Run, type: string) => run.resources.filter((r) => r.type === type);

export function one(run: Run, type: string, name: string): Registered {
  const found = run.resources.filter((r) => r.type === type && r.name === name);
  if (found.length !== 1) throw new Error(`expected one ${type} "${name}", found ${found.length}`);
  return found[0]!;
}

/** What the CrossGuard pack reports about every resource of a run, each as `policy: message`. */
export async function policyViolations(run: Run): Promise<string[]> {
  const violations: string[] = [];
  for (const resource of run.resources) {
    for (const policy of policies) {
      for (const validate of [policy.validateResource ?? []].flat()) {
        await validate(
          {
            type: resource.type,
            name: resource.name,
            urn: `urn:pulumi:test::vitana-oasis::${resource.type}::${resource.name}`,
            props: resource.inputs,
            opts: {} as any,
            stackTags: new Map(),
            isType: () => false,
            asType: () => undefined,
            getConfig: <C extends object>() => ({}) as C,
            notApplicable: () => {
              throw new Error('not applicable');
            },
          },
          (message) => violations.push(`${policy.name}: ${message}`),
        );
      }
    }
  }
  return violations;
}
