/**
 * Cloud Scheduler drives the watcher: POST <watcher>/poll on `pollSchedule` with an OIDC token of the
 * scheduler's own account, which is the only identity allowed to invoke the watcher.
 */
import * as pulumi from '@pulumi/pulumi';
import * as gcp from '@pulumi/gcp';
import type { OasisConfig } from './config.js';
import { adopted } from './adoption.js';

/** A fixed name, so `gcloud scheduler jobs run deploy-watcher-poll` works (docs/DEPLOY.md). */
export const POLL_JOB_NAME = 'deploy-watcher-poll';

export interface Scheduler {
  watcherInvoker: gcp.cloudrunv2.ServiceIamMember;
  job: gcp.cloudscheduler.Job;
}

export function createScheduler(
  config: OasisConfig,
  args: { watcher: gcp.cloudrunv2.Service; account: gcp.serviceaccount.Account; dependsOn: pulumi.Resource[] },
): Scheduler {
  const watcherInvoker = new gcp.cloudrunv2.ServiceIamMember('deploy-watcher-invoker-scheduler', {
    project: config.project,
    location: config.region,
    name: args.watcher.name,
    role: 'roles/run.invoker',
    member: args.account.member,
  });

  const job = new gcp.cloudscheduler.Job(
    POLL_JOB_NAME,
    {
      name: POLL_JOB_NAME,
      project: config.project,
      region: config.region,
      description: `Poll Cloud Run audit logs into OASIS (${config.vtid})`,
      schedule: config.pollSchedule,
      timeZone: 'Etc/UTC',
      // A poll normally takes seconds; give up well before the next minute's run.
      attemptDeadline: '60s',
      retryConfig: {
        retryCount: 2,
        minBackoffDuration: '5s',
        maxBackoffDuration: '20s',
        maxDoublings: 2,
        maxRetryDuration: '50s',
      },
      httpTarget: {
        httpMethod: 'POST',
        uri: pulumi.interpolate`${args.watcher.uri}/poll`,
        oidcToken: { serviceAccountEmail: args.account.email, audience: args.watcher.uri },
      },
    },
    { dependsOn: [...args.dependsOn, watcherInvoker], ...adopted(config, 'job', POLL_JOB_NAME) },
  );

  return { watcherInvoker, job };
}
