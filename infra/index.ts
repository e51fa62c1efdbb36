/**
 * The whole system on GCP, composed from one file per concern. `deploy` takes the validated config
 * (infra/config.ts) so tests can run the program with any configuration under pulumi mocks.
 */
import * as pulumi from '@pulumi/pulumi';
import type { OasisConfig } from './config.js';
import { enableApis } from './apis.js';
import { containerImages } from './images.js';
import { createSecrets } from './secrets.js';
import { createServiceAccounts } from './service-accounts.js';
import { createGateway } from './gateway.js';
import { createWatcher } from './watcher.js';
import { createScheduler } from './scheduler.js';
import { createReconciler } from './reconciler.js';
import { createGithubWebhooks } from './github-hooks.js';

export interface Outputs {
  gatewayUrl: pulumi.Output<string>;
  webhookUrl: pulumi.Output<string>;
  feedUrl: pulumi.Output<string>;
  eventsApiUrl: pulumi.Output<string>;
  consoleUrl: pulumi.Output<string>;
  watcherUrl: pulumi.Output<string>;
  webhookSecret: pulumi.Output<string>;
}

export function deploy(config: OasisConfig): Outputs {
  const apis = enableApis(config);
  const images = containerImages(config, apis);
  const secrets = createSecrets(config, apis);
  const accounts = createServiceAccounts(config, apis);

  const gateway = createGateway(config, {
    image: images.gateway,
    account: accounts.gateway,
    secrets,
    dependsOn: apis,
  });
  const gatewayUrl = gateway.service.uri;

  const watcher = createWatcher(config, {
    image: images.watcher,
    account: accounts.watcher,
    secrets,
    gatewayUrl,
    dependsOn: [...apis, accounts.watcherLogViewer],
  });

  createScheduler(config, { watcher: watcher.service, account: accounts.scheduler, dependsOn: apis });

  // Only when `reconcileHooks` lists a hook; same image as the gateway, the scheduler's identity calls it.
  createReconciler(config, { image: images.gateway, secrets, scheduler: accounts.scheduler, dependsOn: apis });

  const webhookUrl = pulumi.interpolate`${gatewayUrl}/webhooks/github`;
  createGithubWebhooks(config, { webhookUrl, secret: secrets.webhookSecret, gateway: gateway.service });

  return {
    gatewayUrl,
    webhookUrl,
    feedUrl: pulumi.interpolate`${gatewayUrl}/api/v1/devhub/feed`,
    eventsApiUrl: pulumi.interpolate`${gatewayUrl}/api/v1/oasis/events`,
    consoleUrl: pulumi.interpolate`${gatewayUrl}/`,
    watcherUrl: watcher.service.uri,
    webhookSecret: secrets.webhookSecret,
  };
}
