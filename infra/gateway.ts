/**
 * vitana-gateway: the public Cloud Run service (GitHub must reach its webhook). Long request timeout for
 * the live SSE feed, one warm instance, secrets as env vars read from Secret Manager.
 */
import * as pulumi from '@pulumi/pulumi';
import * as gcp from '@pulumi/gcp';
import type { OasisConfig } from './config.js';
import { adopted } from './adoption.js';
import { revisionTemplateLabels } from './labels.js';
import { currentVersions, mountSecrets, webhookSecretMounts, type SecretEnv, type Secrets } from './secrets.js';

export const GATEWAY_SERVICE_NAME = 'vitana-gateway';

/**
 * Env var -> secret, besides the webhook secret(s) (webhookSecretMounts) and SUPABASE_JWT_SECRET when the
 * stack has it. The gateway's account may read exactly the secrets it mounts.
 */
export const GATEWAY_SECRET_ENV = {
  DATABASE_URL: 'SUPABASE_DB_URL',
} as const satisfies SecretEnv;

export interface Gateway {
  service: gcp.cloudrunv2.Service;
  publicInvoker: gcp.cloudrunv2.ServiceIamMember;
  secretAccess: gcp.secretmanager.SecretIamMember[];
}

export function createGateway(
  config: OasisConfig,
  args: { image: pulumi.Input<string>; account: gcp.serviceaccount.Account; secrets: Secrets; dependsOn: pulumi.Resource[] },
): Gateway {
  const mounted = mountSecrets('oasis-gateway', args.account.member, {
    ...currentVersions(args.secrets, GATEWAY_SECRET_ENV),
    // Without it the gateway verifies tokens with the signing keys (JWKS) from SUPABASE_URL only.
    ...(args.secrets.jwtSecret ? { SUPABASE_JWT_SECRET: { name: 'SUPABASE_JWT_SECRET', ...args.secrets.jwtSecret } } : {}),
    ...webhookSecretMounts(args.secrets),
  });
  // Not a secret: the project URL, from which the gateway derives its JWKS URL.
  const supabaseUrl = config.supabaseUrl ? [{ name: 'SUPABASE_URL', value: config.supabaseUrl }] : [];

  const service = new gcp.cloudrunv2.Service(
    GATEWAY_SERVICE_NAME,
    {
      name: GATEWAY_SERVICE_NAME,
      project: config.project,
      location: config.region,
      ingress: 'INGRESS_TRAFFIC_ALL',
      deletionProtection: config.deletionProtection,
      // The VTID labels go on the service; on the template they would make every deploy a new revision.
      labels: config.labels,
      template: {
        labels: revisionTemplateLabels(config.labels),
        serviceAccount: args.account.email,
        // SSE clients hold their request open: allow the Cloud Run maximum of one hour.
        timeout: '3600s',
        maxInstanceRequestConcurrency: 250,
        scaling: { minInstanceCount: config.minInstances, maxInstanceCount: 10 },
        containers: [
          {
            image: args.image,
            ports: { containerPort: 8080 },
            resources: { limits: { cpu: '1', memory: config.memory } },
            envs: [
              ...mounted.envs,
              ...supabaseUrl,
              { name: 'OASIS_PUBLIC_READ', value: String(config.publicRead) },
              { name: 'NODE_ENV', value: 'production' },
              { name: 'MIGRATE_ON_START', value: 'true' },
            ],
            startupProbe: { httpGet: { path: '/readyz' }, periodSeconds: 5, failureThreshold: 24, timeoutSeconds: 3 },
            livenessProbe: { httpGet: { path: '/healthz' }, periodSeconds: 30, timeoutSeconds: 5 },
          },
        ],
      },
    },
    // The revision reads its secrets at start: versions and (propagated) access must exist first.
    { dependsOn: [...args.dependsOn, ...mounted.dependsOn], ...adopted(config, 'service', GATEWAY_SERVICE_NAME) },
  );

  // Public: GitHub webhooks, the feed and the console are reached without Google credentials; the
  // gateway authenticates requests itself (HMAC for webhooks, Supabase JWTs for the API).
  const publicInvoker = new gcp.cloudrunv2.ServiceIamMember('vitana-gateway-public', {
    project: config.project,
    location: config.region,
    name: service.name,
    role: 'roles/run.invoker',
    member: 'allUsers',
  });

  return { service, publicInvoker, secretAccess: mounted.access };
}
