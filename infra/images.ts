/**
 * The container image: one image from runtime/Dockerfile serves both the gateway and the watcher (the
 * watcher only changes the command). It is built and pushed to Artifact Registry unless both
 * `gatewayImage` and `watcherImage` name prebuilt images (CI builds once and passes the digests).
 */
import * as pulumi from '@pulumi/pulumi';
import * as gcp from '@pulumi/gcp';
import * as dockerBuild from '@pulumi/docker-build';
import type { OasisConfig } from './config.js';

export interface Images {
  registry: gcp.artifactregistry.Repository;
  /** Set only when the program builds the image. */
  built: dockerBuild.Image | undefined;
  gateway: pulumi.Output<string>;
  watcher: pulumi.Output<string>;
}

export function containerImages(config: OasisConfig, dependsOn: pulumi.Resource[]): Images {
  const registry = new gcp.artifactregistry.Repository(
    'registry',
    {
      project: config.project,
      location: config.region,
      repositoryId: 'vitana-oasis',
      format: 'DOCKER',
      description: 'vitana-oasis gateway/watcher images',
      labels: config.labels,
    },
    { dependsOn },
  );

  let built: dockerBuild.Image | undefined;
  if (!config.gatewayImage || !config.watcherImage) {
    const repo = pulumi.interpolate`${config.region}-docker.pkg.dev/${config.project}/${registry.repositoryId}/oasis`;
    built = new dockerBuild.Image('oasis-image', {
      // The build context is the repository root; .dockerignore keeps it small.
      context: { location: '.' },
      dockerfile: { location: 'runtime/Dockerfile' },
      platforms: ['linux/amd64'],
      tags: [pulumi.interpolate`${repo}:latest`, pulumi.interpolate`${repo}:${config.labels.vtid}`],
      push: true,
      // Previews stay fast and need no Docker engine; `up` builds.
      buildOnPreview: false,
    });
  }

  // `ref` is the pushed digest reference, so every new build rolls out a new Cloud Run revision.
  const pick = (prebuilt: string | undefined): pulumi.Output<string> =>
    prebuilt ? pulumi.output(prebuilt) : built!.ref;
  return { registry, built, gateway: pick(config.gatewayImage), watcher: pick(config.watcherImage) };
}
