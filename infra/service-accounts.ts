/**
 * One identity per workload. Their grants live next to what needs them (secret access in gateway.ts and
 * watcher.ts, the watcher invoker in scheduler.ts); the only project-level role is the watcher's
 * read-only `roles/logging.viewer`. No editor/owner anywhere.
 */
import * as pulumi from '@pulumi/pulumi';
import * as gcp from '@pulumi/gcp';
import type { OasisConfig } from './config.js';
import { adopted } from './adoption.js';

export interface ServiceAccounts {
  gateway: gcp.serviceaccount.Account;
  watcher: gcp.serviceaccount.Account;
  scheduler: gcp.serviceaccount.Account;
  watcherLogViewer: gcp.projects.IAMMember;
}

export function createServiceAccounts(config: OasisConfig, dependsOn: pulumi.Resource[]): ServiceAccounts {
  const account = (name: string, displayName: string) =>
    new gcp.serviceaccount.Account(
      name,
      { project: config.project, accountId: name, displayName, description: `vitana-oasis (${config.vtid})` },
      { dependsOn, ...adopted(config, 'account', name) },
    );

  const gateway = account('oasis-gateway', 'vitana-gateway runtime');
  const watcher = account('oasis-watcher', 'deploy-watcher runtime');
  const scheduler = account('oasis-scheduler', 'Cloud Scheduler caller of deploy-watcher /poll');

  // The watcher reads Cloud Run audit logs (admin activity) and nothing else at project level. Project
  // IAM goes through the Resource Manager API, one of the APIs in dependsOn.
  const watcherLogViewer = new gcp.projects.IAMMember(
    'oasis-watcher-logging-viewer',
    { project: config.project, role: 'roles/logging.viewer', member: watcher.member },
    { dependsOn },
  );

  return { gateway, watcher, scheduler, watcherLogViewer };
}
