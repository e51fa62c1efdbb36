/** The Google APIs the system needs, enabled before anything that uses them. */
import * as gcp from '@pulumi/gcp';
import type { OasisConfig } from './config.js';

export const REQUIRED_APIS = [
  'run.googleapis.com',
  'secretmanager.googleapis.com',
  'cloudscheduler.googleapis.com',
  'logging.googleapis.com',
  'artifactregistry.googleapis.com',
  'iam.googleapis.com',
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
