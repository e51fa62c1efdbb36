/**
 * vitana-gateway: the public Cloud Run service (GitHub must reach its webhook). Long request timeout for
 * the live SSE feed, one warm instance, secrets as env vars read from Secret Manager.
 */
import * as pulumi from '@pulumi/pulumi';
import * as gcp from '@pulumi/gcp';
import type { OasisConfig } from './config.js';
import { grantSecretAccess, secretEnvVars, secretVersions, type SecretEnv, type Secrets } from './secrets.js';

export const GATEWAY_SERVICE_NAME = 'vitana-gateway';

/** Env var -> secret. The gateway's account may read exactly these secrets. */
export const GATEWAY_SECRET_ENV = {
  DATABASE_URL: 'SUPABASE_DB_URL',
  SUPABASE_JWT_SECRET: 'SUPABASE_JWT_SECRET',
  GITHUB_WEBHOOK_SECRET: 'GITHUB_WEBHOOK_SECRET',
  SUPABASE_URL: 'SUPABASE_URL',
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
  const secretAccess = grantSecretAccess('oasis-gateway', args.account.member, args.secrets, GATEWAY_SECRET_ENV);

  const service = new gcp.cloudrunv2.Service(
    GATEWAY_SERVICE_NAME,
    {
      name: GATEWAY_SERVICE_NAME,
      project: config.project,
      location: config.region,
      ingress: 'INGRESS_TRAFFIC_ALL',
      deletionProtection: config.deletionProtection,
      labels: config.labels,
      template: {
        labels: config.labels,
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
              ...secretEnvVars(args.secrets, GATEWAY_SECRET_ENV),
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
    // The revision reads its secrets at start: versions and access must exist first.
    { dependsOn: [...args.dependsOn, ...secretVersions(args.secrets, GATEWAY_SECRET_ENV), ...secretAccess] },
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

  return { service, publicInvoker, secretAccess };
}
