/**
 * delivery-reconciler: declared only when `reconcileHooks` lists a hook (infra/config.ts). Like the
 * deploy watcher: a private Cloud Run service (same image, `node dist/reconciler.js`) that Cloud
 * Scheduler calls with an OIDC token of the scheduler's account, the only identity allowed to invoke it.
 * It runs the gateway's image, pinned as the gateway's is (by digest when built; `gatewayImage` when prebuilt).
 *
 *  - its own service account, which may read exactly two secrets: the database URL (SUPABASE_DB_URL,
 *    its DATABASE_URL) and the GitHub credential; the service waits for those grants to propagate
 *    (mountSecrets, infra/iam-propagation.ts), as the gateway and the watcher do;
 *  - the GitHub credential (a token, or the GitHub App's private key) from stack config into its own
 *    Secret Manager secret GITHUB_RECONCILER_CREDENTIAL, mounted by version as GITHUB_TOKEN or
 *    GITHUB_APP_PRIVATE_KEY (the App and installation ids are not secret: plain values);
 *  - the Cloud Scheduler job `delivery-reconciler-pass`: POST <service>/reconcile every
 *    `reconcileIntervalMinutes` minutes, without retries (a failed pass is simply the next one's work,
 *    and a retry must not hammer a rate-limited GitHub).
 *
 * None of these is adoptable (infra/adoption.ts): the reconciler is new with this program, so no
 * hand-made resource has one of its names.
 */
import * as pulumi from '@pulumi/pulumi';
import * as gcp from '@pulumi/gcp';
import type { OasisConfig, ReconcilerStackConfig } from './config.js';
import { revisionTemplateLabels } from './labels.js';
import { currentVersions, mountSecrets, storeSecret, type SecretEnv, type Secrets, type StoredSecret } from './secrets.js';

export const RECONCILER_SERVICE_NAME = 'delivery-reconciler';
export const RECONCILER_JOB_NAME = 'delivery-reconciler-pass';
export const GITHUB_CREDENTIAL_SECRET = 'GITHUB_RECONCILER_CREDENTIAL';

/** Env var -> shared secret. With the GitHub credential, these are all the reconciler's account may read. */
export const RECONCILER_SECRET_ENV = {
  DATABASE_URL: 'SUPABASE_DB_URL',
} as const satisfies SecretEnv;

export interface Reconciler {
  service: gcp.cloudrunv2.Service;
  account: gcp.serviceaccount.Account;
  credential: StoredSecret;
  /** The accessor grants of the reconciler's account: the database URL and the credential. */
  secretAccess: gcp.secretmanager.SecretIamMember[];
  invoker: gcp.cloudrunv2.ServiceIamMember;
  job: gcp.cloudscheduler.Job;
}

/** Every N minutes as cron: `*\/N * * * *`, hourly at :00 for 60. */
export function intervalSchedule(minutes: number): string {
  return minutes >= 60 ? '0 * * * *' : `*/${minutes} * * * *`;
}

/** The env vars of the credential: the secret one (mounted) and the plain ids. */
function credentialEnv(settings: ReconcilerStackConfig): { secretEnv: string; plain: { name: string; value: string }[] } {
  const { credential } = settings;
  if (credential.kind === 'token') return { secretEnv: 'GITHUB_TOKEN', plain: [] };
  return {
    secretEnv: 'GITHUB_APP_PRIVATE_KEY',
    plain: [
      { name: 'GITHUB_APP_ID', value: credential.appId },
      ...(credential.installationId ? [{ name: 'GITHUB_APP_INSTALLATION_ID', value: credential.installationId }] : []),
    ],
  };
}

export function createReconciler(
  config: OasisConfig,
  args: {
    image: pulumi.Input<string>;
    secrets: Secrets;
    /** The scheduler's identity: it signs the OIDC token and is the service's only invoker. */
    scheduler: gcp.serviceaccount.Account;
    dependsOn: pulumi.Resource[];
  },
): Reconciler | undefined {
  const settings = config.reconciler;
  if (!settings) return undefined;

  const account = new gcp.serviceaccount.Account(
    'oasis-reconciler',
    { project: config.project, accountId: 'oasis-reconciler', displayName: 'delivery-reconciler runtime', description: `vitana-oasis (${config.vtid})` },
    { dependsOn: args.dependsOn },
  );

  const value = settings.credential.kind === 'token' ? settings.credential.token : settings.credential.privateKey;
  const credential = storeSecret(config, GITHUB_CREDENTIAL_SECRET, value, args.dependsOn);
  const { secretEnv, plain } = credentialEnv(settings);
  const mounted = mountSecrets('oasis-reconciler', account.member, {
    ...currentVersions(args.secrets, RECONCILER_SECRET_ENV),
    [secretEnv]: { name: GITHUB_CREDENTIAL_SECRET, ...credential },
  });

  const service = new gcp.cloudrunv2.Service(
    RECONCILER_SERVICE_NAME,
    {
      name: RECONCILER_SERVICE_NAME,
      project: config.project,
      location: config.region,
      // Reachable, but not public: no allUsers invoker; only the scheduler's account holds run.invoker.
      ingress: 'INGRESS_TRAFFIC_ALL',
      deletionProtection: config.deletionProtection,
      // The VTID labels go on the service; on the template they would make every deploy a new revision.
      labels: config.labels,
      template: {
        labels: revisionTemplateLabels(config.labels),
        serviceAccount: account.email,
        // A pass is bounded (pages and redeliveries per pass, 10 s per GitHub request) but may take minutes.
        timeout: '600s',
        // One pass at a time is the point: one instance, one request (a second call joins the running pass).
        scaling: { minInstanceCount: 0, maxInstanceCount: 1 },
        containers: [
          {
            image: args.image,
            commands: ['node'],
            args: ['dist/reconciler.js'],
            ports: { containerPort: 8080 },
            resources: { limits: { cpu: '1', memory: config.memory } },
            envs: [
              ...mounted.envs,
              ...plain,
              { name: 'RECONCILE_HOOKS', value: settings.hooks.join(',') },
              { name: 'NODE_ENV', value: 'production' },
            ],
            startupProbe: { httpGet: { path: '/healthz' }, periodSeconds: 5, failureThreshold: 12, timeoutSeconds: 3 },
          },
        ],
      },
    },
    // The revision reads its secrets at start: versions and (propagated) access must exist first.
    { dependsOn: [...args.dependsOn, ...mounted.dependsOn] },
  );

  const invoker = new gcp.cloudrunv2.ServiceIamMember('delivery-reconciler-invoker-scheduler', {
    project: config.project,
    location: config.region,
    name: service.name,
    role: 'roles/run.invoker',
    member: args.scheduler.member,
  });

  const job = new gcp.cloudscheduler.Job(
    RECONCILER_JOB_NAME,
    {
      // A fixed name, so `gcloud scheduler jobs run delivery-reconciler-pass` works (docs/RECONCILER.md).
      name: RECONCILER_JOB_NAME,
      project: config.project,
      region: config.region,
      description: `Redeliver missed GitHub webhook deliveries into OASIS (${config.vtid})`,
      schedule: intervalSchedule(settings.intervalMinutes),
      timeZone: 'Etc/UTC',
      attemptDeadline: '600s',
      retryConfig: { retryCount: 0 },
      httpTarget: {
        httpMethod: 'POST',
        uri: pulumi.interpolate`${service.uri}/reconcile`,
        oidcToken: { serviceAccountEmail: args.scheduler.email, audience: service.uri },
      },
    },
    { dependsOn: [...args.dependsOn, invoker] },
  );

  return { service, account, credential, secretAccess: mounted.access, invoker, job };
}
