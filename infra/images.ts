/**
 * The container image: one image from runtime/Dockerfile serves every service (the watcher and the
 * delivery reconciler only change the command; the reconciler runs `gateway`, the gateway's image). It is
 * built and pushed to Artifact Registry unless both `gatewayImage` and `watcherImage` name prebuilt images
 * (CI builds once and passes the digests).
 *
 * A deploy that changes nothing the image is made of must not rebuild it: a new digest rolls both
 * services. So nothing about the deploy (VTID, time) goes into the build's inputs; the context holds
 * only the files the image needs (.dockerignore is an allow-list: docs, tests, infra and CI's
 * credentials file are not in it), so a docs-only commit leaves the context hash, and with it the image,
 * as it was. When the image does change, the registry cache (`:buildcache`) reuses every layer whose
 * inputs did not (the npm ci layers above all), also on CI's fresh runners.
 */
import * as pulumi from '@pulumi/pulumi';
import * as gcp from '@pulumi/gcp';
import * as dockerBuild from '@pulumi/docker-build';
import type { OasisConfig } from './config.js';
import { adopted } from './adoption.js';

/** The Artifact Registry repository the services' image lives in. */
export const REGISTRY_ID = 'vitana-oasis';

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
      repositoryId: REGISTRY_ID,
      format: 'DOCKER',
      description: 'vitana-oasis gateway/watcher images',
      labels: config.labels,
    },
    { dependsOn, ...adopted(config, 'registry', REGISTRY_ID) },
  );

  const repo = pulumi.interpolate`${config.region}-docker.pkg.dev/${config.project}/${registry.repositoryId}/oasis`;
  let built: dockerBuild.Image | undefined;
  if (!config.gatewayImage || !config.watcherImage) {
    const cache = pulumi.interpolate`${repo}:buildcache`;
    built = new dockerBuild.Image('oasis-image', {
      // The repository root, narrowed by .dockerignore to what runtime/Dockerfile copies.
      context: { location: '.' },
      dockerfile: { location: 'runtime/Dockerfile' },
      platforms: ['linux/amd64'],
      // One fixed tag: a per-deploy tag (the VTID) would be a new input, hence a rebuild, every deploy.
      tags: [pulumi.interpolate`${repo}:latest`],
      push: true,
      cacheFrom: [{ registry: { ref: cache } }],
      // `max` caches the build stage too; Artifact Registry takes the cache as an OCI image manifest.
      cacheTo: [{ registry: { ref: cache, mode: dockerBuild.CacheMode.Max, imageManifest: true, ociMediaTypes: true } }],
      // BuildKit stamps the image config and history with this instead of the build time, so a rebuild
      // of the same inputs from the cache yields the same digest.
      buildArgs: { SOURCE_DATE_EPOCH: '0' },
      // Previews stay fast and need no Docker engine; `up` builds.
      buildOnPreview: false,
    });
  }

  // Pinned by digest, so a new build rolls out a new Cloud Run revision and an unchanged one does not
  // (`ref` would name one of the tags at random).
  const pick = (prebuilt: string | undefined): pulumi.Output<string> =>
    prebuilt ? pulumi.output(prebuilt) : pulumi.interpolate`${repo}@${built!.digest}`;
  return { registry, built, gateway: pick(config.gatewayImage), watcher: pick(config.watcherImage) };
}
