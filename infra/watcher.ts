/**
 * deploy-watcher: a private Cloud Run service, same image with `node dist/watcher.js`. Cloud Scheduler
 * calls its POST /poll (see scheduler.ts); it reads Cloud Run audit logs and reports to the gateway.
 */
import * as pulumi from '@pulumi/pulumi';
import * as gcp from '@pulumi/gcp';
import type { OasisConfig } from './config.js';
import { adopted } from './adoption.js';
import { revisionTemplateLabels } from './labels.js';
import { currentVersions, mountSecrets, type SecretEnv, type Secrets } from './secrets.js';

export const WATCHER_SERVICE_NAME = 'deploy-watcher';

/** Env var -> secret. The watcher's account may read exactly these secrets. */
export const WATCHER_SECRET_ENV = {
  SUPABASE_SERVICE_ROLE: 'SUPABASE_SERVICE_ROLE',
} as const satisfies SecretEnv;

export interface Watcher {
  service: gcp.cloudrunv2.Service;
  secretAccess: gcp.secretmanager.SecretIamMember[];
}

export function createWatcher(
  config: OasisConfig,
  args: {
    image: pulumi.Input<string>;
    account: gcp.serviceaccount.Account;
    secrets: Secrets;
    gatewayUrl: pulumi.Input<string>;
    dependsOn: pulumi.Resource[];
  },
): Watcher {
  const mounted = mountSecrets('oasis-watcher', args.account.member, currentVersions(args.secrets, WATCHER_SECRET_ENV));

  const service = new gcp.cloudrunv2.Service(
    WATCHER_SERVICE_NAME,
    {
      name: WATCHER_SERVICE_NAME,
      project: config.project,
      location: config.region,
      // Reachable, but not public: no allUsers invoker, so every request needs an identity holding
      // roles/run.invoker on this service, and only the scheduler's account has it.
      ingress: 'INGRESS_TRAFFIC_ALL',
      deletionProtection: config.deletionProtection,
      labels: config.labels,
      template: {
        labels: revisionTemplateLabels(config.labels),
        serviceAccount: args.account.email,
        timeout: '120s',
        // Polls are idempotent, but one instance is plenty and keeps them from piling up.
        scaling: { minInstanceCount: 0, maxInstanceCount: 1 },
        containers: [
          {
            image: args.image,
            commands: ['node'],
            args: ['dist/watcher.js'],
            ports: { containerPort: 8080 },
            resources: { limits: { cpu: '1', memory: config.memory } },
            envs: [
              { name: 'GATEWAY_URL', value: args.gatewayUrl },
              { name: 'GOOGLE_CLOUD_PROJECT', value: config.project },
              ...mounted.envs,
              { name: 'NODE_ENV', value: 'production' },
            ],
            startupProbe: { httpGet: { path: '/healthz' }, periodSeconds: 5, failureThreshold: 12, timeoutSeconds: 3 },
          },
        ],
      },
    },
    { dependsOn: [...args.dependsOn, ...mounted.dependsOn], ...adopted(config, 'service', WATCHER_SERVICE_NAME) },
  );

  return { service, secretAccess: mounted.access };
}
