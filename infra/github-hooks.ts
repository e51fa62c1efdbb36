/**
 * GitHub repository webhooks pointing at the gateway, signed with the stack's webhook secret. Declared
 * only for the repositories listed in `githubRepositories`; one GitHub provider per owner (its token
 * comes from GITHUB_TOKEN, which needs admin:repo_hook on those repositories; in CI the DEPLOY job's
 * environment secret WEBHOOK_ADMIN_TOKEN, see docs/DEPLOY.md).
 */
import * as pulumi from '@pulumi/pulumi';
import * as github from '@pulumi/github';
import { SUPPORTED_EVENTS } from '../runtime/github/describe.js';
import type { OasisConfig } from './config.js';

/**
 * The events the hooks subscribe to: every event the gateway normalizes (runtime/github/describe.ts),
 * except `ping`, which GitHub sends by itself when a hook is created and which cannot be subscribed to.
 */
export const WEBHOOK_EVENTS: readonly string[] = SUPPORTED_EVENTS.filter((event) => event !== 'ping');

export function createGithubWebhooks(
  config: OasisConfig,
  args: {
    webhookUrl: pulumi.Input<string>;
    secret: pulumi.Input<string>;
    /**
     * The gateway service: a hook may switch to a new secret only once a revision that accepts it is
     * serving (a rotation, docs/RUNBOOKS.md), so every hook waits for the service's update.
     */
    gateway: pulumi.Resource;
  },
): github.RepositoryWebhook[] {
  const providers = new Map<string, github.Provider>();
  const provider = (owner: string): github.Provider => {
    let p = providers.get(owner);
    if (!p) {
      p = new github.Provider(`github-${owner.toLowerCase()}`, { owner });
      providers.set(owner, p);
    }
    return p;
  };

  return config.githubRepositories.map(
    ({ owner, name }) =>
      new github.RepositoryWebhook(
        `oasis-${owner}-${name}`.toLowerCase(),
        {
          repository: name,
          active: true,
          events: [...WEBHOOK_EVENTS],
          configuration: { url: args.webhookUrl, contentType: 'json', secret: args.secret, insecureSsl: false },
        },
        { provider: provider(owner), dependsOn: [args.gateway] },
      ),
  );
}
