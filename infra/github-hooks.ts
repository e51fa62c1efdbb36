/**
 * GitHub repository webhooks pointing at the gateway, signed with the generated secret. Declared only
 * for the repositories listed in `githubRepositories`; one GitHub provider per owner (its token comes
 * from GITHUB_TOKEN, which needs admin:repo_hook on those repositories).
 */
import * as pulumi from '@pulumi/pulumi';
import * as github from '@pulumi/github';
import type { OasisConfig } from './config.js';

export const WEBHOOK_EVENTS = [
  'workflow_run',
  'workflow_job',
  'check_run',
  'check_suite',
  'pull_request',
  'push',
  'deployment_status',
] as const;

export function createGithubWebhooks(
  config: OasisConfig,
  args: { webhookUrl: pulumi.Input<string>; secret: pulumi.Input<string> },
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
        { provider: provider(owner) },
      ),
  );
}
