/**
 * Secret Manager: one secret (with a version) per value the services read. The webhook secret is
 * generated here; the Supabase values come from stack secrets. Services mount them by version, so a new
 * value rolls out a new revision, and each service account may read only the secrets its service mounts.
 */
import * as pulumi from '@pulumi/pulumi';
import * as gcp from '@pulumi/gcp';
import * as random from '@pulumi/random';
import type { OasisConfig } from './config.js';

export const SECRET_NAMES = [
  'GITHUB_WEBHOOK_SECRET',
  'SUPABASE_URL',
  'SUPABASE_SERVICE_ROLE',
  'SUPABASE_DB_URL',
  'SUPABASE_JWT_SECRET',
] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

export interface StoredSecret {
  secret: gcp.secretmanager.Secret;
  version: gcp.secretmanager.SecretVersion;
}

export interface Secrets {
  stored: Record<SecretName, StoredSecret>;
  /** The generated GitHub webhook secret (a secret output). */
  webhookSecret: pulumi.Output<string>;
}

export function createSecrets(config: OasisConfig, dependsOn: pulumi.Resource[]): Secrets {
  const webhook = new random.RandomPassword('github-webhook-secret', { length: 48, special: false });

  const values: Record<SecretName, pulumi.Output<string>> = {
    GITHUB_WEBHOOK_SECRET: webhook.result,
    SUPABASE_URL: config.supabase.url,
    SUPABASE_SERVICE_ROLE: config.supabase.serviceRole,
    SUPABASE_DB_URL: config.supabase.dbUrl,
    SUPABASE_JWT_SECRET: config.supabase.jwtSecret,
  };

  const stored = {} as Record<SecretName, StoredSecret>;
  for (const name of SECRET_NAMES) {
    const secret = new gcp.secretmanager.Secret(
      name,
      {
        project: config.project,
        secretId: name,
        replication: { auto: {} },
        labels: config.labels,
      },
      { dependsOn },
    );
    const version = new gcp.secretmanager.SecretVersion(name, {
      secret: secret.id,
      secretData: pulumi.secret(values[name]),
    });
    stored[name] = { secret, version };
  }
  return { stored, webhookSecret: pulumi.secret(webhook.result) };
}

/** Env vars a service reads from Secret Manager: env var name -> secret name. */
export type SecretEnv = Readonly<Record<string, SecretName>>;

/** Grants `member` read access to exactly the secrets in `env`, nothing else. */
export function grantSecretAccess(
  prefix: string,
  member: pulumi.Input<string>,
  secrets: Secrets,
  env: SecretEnv,
): gcp.secretmanager.SecretIamMember[] {
  return [...new Set(Object.values(env))].map(
    (name) =>
      new gcp.secretmanager.SecretIamMember(`${prefix}-reads-${name.toLowerCase().replaceAll('_', '-')}`, {
        project: secrets.stored[name].secret.project,
        secretId: secrets.stored[name].secret.secretId,
        role: 'roles/secretmanager.secretAccessor',
        member,
      }),
  );
}

/** Cloud Run env entries for `env`, each pinned to the secret version this stack wrote. */
export function secretEnvVars(
  secrets: Secrets,
  env: SecretEnv,
): gcp.types.input.cloudrunv2.ServiceTemplateContainerEnv[] {
  return Object.entries(env).map(([envName, name]) => ({
    name: envName,
    valueSource: {
      secretKeyRef: { secret: secrets.stored[name].secret.secretId, version: secrets.stored[name].version.version },
    },
  }));
}

/** The secret versions a service mounts: it must not start before they exist. */
export function secretVersions(secrets: Secrets, env: SecretEnv): gcp.secretmanager.SecretVersion[] {
  return [...new Set(Object.values(env))].map((name) => secrets.stored[name].version);
}
