/**
 * Secret Manager: one secret (with a version) per value the services read. The Supabase values come
 * from stack secrets (SUPABASE_JWT_SECRET only when set: a project may verify with signing keys only); the GitHub webhook secret is generated unless config `githubWebhookSecret` gives
 * it (adopting a running system, or the end of a rotation). Services mount them by version, so a new
 * value rolls out a new revision, and each service account may read only the secrets its service mounts.
 *
 * Rotating the webhook secret (docs/RUNBOOKS.md) is two config changes:
 *  1. `githubWebhookSecretNext` set: a second version of GITHUB_WEBHOOK_SECRET holds the new value; the
 *     gateway reads it as GITHUB_WEBHOOK_SECRET and the old version as GITHUB_WEBHOOK_SECRET_PREVIOUS
 *     (both verify), and the managed webhooks switch to the new value after the gateway has it.
 *  2. `githubWebhookSecret` = the new value, `githubWebhookSecretNext` removed: one version again, the
 *     gateway verifies with the new value only, the old versions are destroyed.
 */
import * as pulumi from '@pulumi/pulumi';
import * as gcp from '@pulumi/gcp';
import * as random from '@pulumi/random';
import type { OasisConfig } from './config.js';
import { adopted } from './adoption.js';
import { IamPropagationWait } from './iam-propagation.js';

/** The secrets every stack has. SUPABASE_JWT_SECRET is one only when config gives it (`Secrets.jwtSecret`). */
export const SECRET_NAMES = ['GITHUB_WEBHOOK_SECRET', 'SUPABASE_SERVICE_ROLE', 'SUPABASE_DB_URL'] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

export interface StoredSecret {
  secret: gcp.secretmanager.Secret;
  version: gcp.secretmanager.SecretVersion;
}

export interface Secrets {
  stored: Record<SecretName, StoredSecret>;
  /** SUPABASE_JWT_SECRET, the legacy HS256 secret: undefined on a stack that verifies with signing keys only. */
  jwtSecret: StoredSecret | undefined;
  /** During a rotation: the version of GITHUB_WEBHOOK_SECRET that holds the next value. */
  webhookNext: gcp.secretmanager.SecretVersion | undefined;
  /** The value GitHub webhooks sign with (the next one during a rotation), a secret output. */
  webhookSecret: pulumi.Output<string>;
}

export function createSecrets(config: OasisConfig, dependsOn: pulumi.Resource[]): Secrets {
  // Declared even while config gives the value, so removing `githubWebhookSecret` later falls back to
  // the value the stack generated before instead of a brand-new one no webhook knows.
  const generated = new random.RandomPassword('github-webhook-secret', { length: 48, special: false });
  const webhookCurrent = config.webhookSecret.current ?? generated.result;

  const values: Record<SecretName, pulumi.Output<string>> = {
    GITHUB_WEBHOOK_SECRET: webhookCurrent,
    SUPABASE_SERVICE_ROLE: config.supabase.serviceRole,
    SUPABASE_DB_URL: config.supabase.dbUrl,
  };

  const stored = {} as Record<SecretName, StoredSecret>;
  for (const name of SECRET_NAMES) stored[name] = storeSecret(config, name, values[name], dependsOn);
  const jwtSecret = config.supabase.jwtSecret
    ? storeSecret(config, 'SUPABASE_JWT_SECRET', config.supabase.jwtSecret, dependsOn)
    : undefined;

  const next = config.webhookSecret.next;
  const webhookNext = next
    ? new gcp.secretmanager.SecretVersion('GITHUB_WEBHOOK_SECRET-next', {
        secret: stored.GITHUB_WEBHOOK_SECRET.secret.id,
        secretData: pulumi.secret(next),
      })
    : undefined;

  return {
    stored,
    jwtSecret,
    webhookNext,
    webhookSecret: pulumi.secret(next ?? webhookCurrent),
  };
}

/**
 * One Secret Manager secret `name` (labelled, adopted when config `adopt` names it) holding `value` as
 * its one version written by this stack. Every secret of the stack is made here, a service's own ones too.
 */
export function storeSecret(
  config: OasisConfig,
  name: string,
  value: pulumi.Input<string>,
  dependsOn: pulumi.Resource[],
): StoredSecret {
  const secret = new gcp.secretmanager.Secret(
    name,
    { project: config.project, secretId: name, replication: { auto: {} }, labels: config.labels },
    { dependsOn, ...adopted(config, 'secret', name) },
  );
  const version = new gcp.secretmanager.SecretVersion(name, { secret: secret.id, secretData: pulumi.secret(value) });
  return { secret, version };
}

/** Env vars a service reads from Secret Manager: env var name -> secret name. */
export type SecretEnv = Readonly<Record<string, SecretName>>;

/** One env var's source: a secret (`name` is its id, which names the grant) and the exact version of it. */
export interface SecretMount {
  name: string;
  secret: gcp.secretmanager.Secret;
  version: gcp.secretmanager.SecretVersion;
}

/** Env var name -> what it reads. */
export type SecretMounts = Readonly<Record<string, SecretMount>>;

/** The mounts for `env`, each pinned to the version of its secret this stack wrote. */
export function currentVersions(secrets: Secrets, env: SecretEnv): SecretMounts {
  return Object.fromEntries(Object.entries(env).map(([envName, name]) => [envName, { name, ...secrets.stored[name] }]));
}

/**
 * The gateway's webhook secret env vars: GITHUB_WEBHOOK_SECRET, and during a rotation the new value as
 * GITHUB_WEBHOOK_SECRET with the old one as GITHUB_WEBHOOK_SECRET_PREVIOUS (runtime/gateway/config.ts verifies
 * a delivery against both).
 */
export function webhookSecretMounts(secrets: Secrets): SecretMounts {
  const current: SecretMount = { name: 'GITHUB_WEBHOOK_SECRET', ...secrets.stored.GITHUB_WEBHOOK_SECRET };
  if (!secrets.webhookNext) return { GITHUB_WEBHOOK_SECRET: current };
  return {
    GITHUB_WEBHOOK_SECRET: { ...current, version: secrets.webhookNext },
    GITHUB_WEBHOOK_SECRET_PREVIOUS: current,
  };
}

/** What a Cloud Run service needs to read its secrets. */
export interface MountedSecrets {
  /** Cloud Run env entries, each a secretKeyRef pinned to a version. */
  envs: gcp.types.input.cloudrunv2.ServiceTemplateContainerEnv[];
  /** The accessor grants, one per secret mounted, to the service's account only. */
  access: gcp.secretmanager.SecretIamMember[];
  /**
   * The service's dependsOn: the versions it mounts (they must exist before a revision starts) and the
   * wait for the grants to propagate (Cloud Run checks access when it deploys the revision).
   */
  dependsOn: pulumi.Resource[];
}

/**
 * Everything a Cloud Run service needs to mount `mounts`: read access for `member` to exactly those
 * secrets, the env entries, and what the service must wait for. `prefix` names the grants and the wait
 * (`<prefix>-reads-<secret>`, `<prefix>-secret-access-propagated`). Any service of the stack uses this.
 */
export function mountSecrets(prefix: string, member: pulumi.Input<string>, mounts: SecretMounts): MountedSecrets {
  // One grant per secret, however many env vars (versions) of it the service mounts.
  const secrets = new Map(Object.values(mounts).map((m) => [m.name, m.secret]));
  const access = [...secrets].map(
    ([name, secret]) =>
      new gcp.secretmanager.SecretIamMember(`${prefix}-reads-${name.toLowerCase().replaceAll('_', '-')}`, {
        project: secret.project,
        secretId: secret.secretId,
        role: 'roles/secretmanager.secretAccessor',
        member,
      }),
  );
  const propagated = access.length > 0 ? [new IamPropagationWait(`${prefix}-secret-access-propagated`, access)] : [];

  const envs = Object.entries(mounts).map(([envName, { secret, version }]) => ({
    name: envName,
    valueSource: { secretKeyRef: { secret: secret.secretId, version: version.version } },
  }));
  const versions = [...new Set(Object.values(mounts).map((m) => m.version))];
  return { envs, access, dependsOn: [...versions, ...propagated] };
}
