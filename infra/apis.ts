/** The Google APIs the system needs, enabled before anything that uses them. */
import * as gcp from '@pulumi/gcp';
import type { OasisConfig } from './config.js';

/**
 * Enabled by hand once per project, before the first `pulumi up` (docs/DEPLOY.md, bootstrap): the
 * program cannot enable them itself. Service Usage is the API that enables APIs; Security Token
 * Service and IAM Credentials turn CI's GitHub token into the deployer's credentials (workload identity
 * federation) before any program runs; Resource Manager reads and changes project IAM.
 */
export const BOOTSTRAP_APIS = [
  'serviceusage.googleapis.com',
  'sts.googleapis.com',
  'iamcredentials.googleapis.com',
  'cloudresourcemanager.googleapis.com',
] as const;

/**
 * Declared by the program (and kept on: `disableOnDestroy: false`). Resource Manager and IAM Credentials
 * are bootstrap APIs too; declaring them keeps them on, and everything that uses them depends on them
 * (every component gets the APIs as dependsOn; the project IAM member needs Resource Manager).
 */
export const REQUIRED_APIS = [
  'run.googleapis.com',
  'secretmanager.googleapis.com',
  'cloudscheduler.googleapis.com',
  'logging.googleapis.com',
  'artifactregistry.googleapis.com',
  'iam.googleapis.com',
  'iamcredentials.googleapis.com',
  'cloudresourcemanager.googleapis.com',
] as const;

export function enableApis(config: OasisConfig): gcp.projects.Service[] {
  return REQUIRED_APIS.map(
    (service) =>
      new gcp.projects.Service(`api-${service.split('.')[0]}`, {
        project: config.project,
        service,
        // The project is shared with other systems: never switch an API off when this stack goes away.
        disableOnDestroy: false,
      }),
  );
}
