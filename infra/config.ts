/**
 * Stack configuration, read once and validated before any resource is declared. Every problem found is
 * reported in one RunError (Pulumi prints it without a stack trace), so `pulumi preview` stops with a
 * single clear message.
 *
 * Defaults below mirror the `default:` values in Pulumi.yaml: the CLI applies those, but unit tests (and
 * the SDK) do not, so the program applies the same ones (a test keeps the two in step).
 */
import * as pulumi from '@pulumi/pulumi';
import { credentialProblems, type CredentialSetting } from '../runtime/reconciler/credential-rules.js';
import { parseHookList } from '../runtime/reconciler/hooks.js';
import { parseVtid } from '@vitana/vtid';
import { ADOPTABLE } from './adoption.js';
import { makeLabels, type Labels } from './labels.js';

export const DEFAULTS = {
  vtid: '',
  layer: '',
  module: '',
  region: 'us-central1',
  gatewayImage: '',
  watcherImage: '',
  minInstances: 1,
  memory: '512Mi',
  publicRead: false,
  pollSchedule: '* * * * *',
  githubRepositories: [] as string[],
  deletionProtection: true,
  supabaseUrl: '',
  adopt: [] as string[],
  githubWebhookSecret: '',
  githubWebhookSecretNext: '',
  supabaseJwtSecret: '',
  reconcileHooks: [] as string[],
  reconcileIntervalMinutes: 15,
  reconcileGithubToken: '',
  reconcileGithubAppId: '',
  reconcileGithubAppInstallationId: '',
  reconcileGithubAppPrivateKey: '',
} as const;

export interface GithubRepository {
  owner: string;
  name: string;
}

export interface OasisConfig {
  /** GCP project id (`gcp:project`). */
  project: string;
  region: string;
  /** The VTID as parsed, upper-case (`DEV-CICDL-0031`). */
  vtid: string;
  labels: Labels;
  /** Prebuilt image references; undefined means "build runtime/Dockerfile". */
  gatewayImage: string | undefined;
  watcherImage: string | undefined;
  minInstances: number;
  memory: string;
  publicRead: boolean;
  pollSchedule: string;
  deletionProtection: boolean;
  githubRepositories: GithubRepository[];
  /**
   * The Supabase project URL (https://<ref>.supabase.co), not a secret: the gateway gets it as the plain
   * env var SUPABASE_URL (its JWKS URL derives from it). Undefined: not set, and not passed.
   */
  supabaseUrl: string | undefined;
  supabase: {
    serviceRole: pulumi.Output<string>;
    dbUrl: pulumi.Output<string>;
    /**
     * The legacy HS256 secret; undefined when unset, and then the gateway verifies tokens with the
     * project's signing keys only (the JWKS under `supabaseUrl`, which must then be set).
     */
    jwtSecret: pulumi.Output<string> | undefined;
  };
  /** GitHub webhook secret: config values when set (adoption, rotation), else the generated one. */
  webhookSecret: {
    /** `githubWebhookSecret`: the value in service; undefined means the generated one. */
    current: pulumi.Output<string> | undefined;
    /** `githubWebhookSecretNext`: set during a rotation (docs/RUNBOOKS.md). */
    next: pulumi.Output<string> | undefined;
  };
  /** Names of existing resources to take over with the `import` option (infra/adoption.ts). */
  adopt: ReadonlySet<string>;
  /** The delivery reconciler; undefined (nothing declared) while `reconcileHooks` is empty. */
  reconciler: ReconcilerStackConfig | undefined;
}

export interface ReconcilerStackConfig {
  /** The hooks, spelled as RECONCILE_HOOKS takes them (repo:OWNER/NAME/ID, org:ORG/ID, app). */
  hooks: string[];
  /** Cloud Scheduler runs a pass every this many minutes. */
  intervalMinutes: number;
  credential:
    | { kind: 'token'; token: pulumi.Output<string> }
    | { kind: 'app'; appId: string; installationId: string | undefined; privateKey: pulumi.Output<string> };
}

const VTID_HELP =
  'CI sets the environment variable VTID from the PR title, branch or commit (scripts/ensure-vtid.sh); ' +
  'by hand, `export VTID=DEV-CICDL-0031` (or override it with `pulumi config set vtid ...`). Ids look like ' +
  'LAYER-MODULE-NNNN (DEV-CICDL-0031) or VTID-YYYY-NNNN (VTID-2026-0042).';

export interface ResolvedVtid {
  vtid: string;
  labels: Labels;
  /** Where the VTID came from. */
  source: 'environment' | 'config';
  /** Set when config `vtid` replaced a different VTID from the environment: worth a warning. */
  overridden?: string;
}

/**
 * The VTID guard. The deploy's VTID is the one of the change it ships: the `VTID` environment variable,
 * which CI sets from the PR title / branch / commit. Stack config `vtid` is an explicit override (a
 * deploy by hand that belongs to another task); it is not meant to live in a committed stack file.
 * It must be exactly one id and convertible to GCP labels. `layer` / `module` config fill in what a
 * ledger id (VTID-2026-0042) does not carry; a family id (DEV-CICDL-0031) names its own.
 * Returns the labels or the one problem.
 */
export function resolveVtid(
  configured: { vtid?: string | undefined; layer?: string | undefined; module?: string | undefined },
  env: NodeJS.ProcessEnv,
): ResolvedVtid | { error: string } {
  const fromConfig = configured.vtid?.trim();
  const fromEnv = env.VTID?.trim();
  const raw = fromConfig || fromEnv;
  const source = fromConfig ? 'config' : 'environment';
  const named = fromConfig ? 'config `vtid`' : 'environment variable VTID';
  if (!raw) return { error: `No VTID: neither the environment variable VTID nor config \`vtid\` is set. ${VTID_HELP}` };

  const parsed = parseVtid(raw);
  if (!parsed) return { error: `Malformed VTID "${raw}" (from ${named}). ${VTID_HELP}` };

  const layer = parsed.layer ?? configured.layer?.trim();
  const module = parsed.module ?? configured.module?.trim();
  if (!layer || !module) {
    return {
      error:
        `VTID ${parsed.vtid} carries no layer/module; set them with ` +
        '`pulumi config set layer DEV` and `pulumi config set module CICDL`.',
    };
  }
  let labels: Labels;
  try {
    labels = makeLabels({ vtid: parsed.vtid, layer, module });
  } catch (e) {
    return { error: `VTID ${parsed.vtid} (from ${named}) cannot label GCP resources: ${(e as Error).message}.` };
  }
  const resolved: ResolvedVtid = { vtid: parsed.vtid, labels, source };
  const envVtid = fromEnv ? parseVtid(fromEnv)?.vtid ?? fromEnv : undefined;
  if (fromConfig && envVtid && envVtid !== parsed.vtid) resolved.overridden = envVtid;
  return resolved;
}

const REPO = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/;

/** Reads and validates the whole stack configuration. Throws one pulumi.RunError listing every problem. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): OasisConfig {
  const cfg = new pulumi.Config();
  const gcpCfg = new pulumi.Config('gcp');
  const problems: string[] = [];

  const vtid = resolveVtid({ vtid: cfg.get('vtid'), layer: cfg.get('layer'), module: cfg.get('module') }, env);
  if ('error' in vtid) {
    // The guard stops here: nothing else matters until the deployment can be attributed to a VTID.
    throw new pulumi.RunError(vtid.error);
  }
  if (vtid.overridden) {
    void pulumi.log.warn(
      `config \`vtid\` ${vtid.vtid} overrides the VTID of the change, ${vtid.overridden} (environment variable ` +
        'VTID); labels name the override. Remove it with `pulumi config rm vtid` unless that is meant.',
    );
  }

  // The same fallbacks the gcp provider itself honours.
  const project = gcpCfg.get('project') || env.GOOGLE_PROJECT || env.GOOGLE_CLOUD_PROJECT || env.CLOUDSDK_CORE_PROJECT;
  if (!project) problems.push('No GCP project: set it with `pulumi config set gcp:project <project-id>`.');

  const region = cfg.get('region') || DEFAULTS.region;
  if (!/^[a-z]+-[a-z]+\d+$/.test(region)) problems.push(`region "${region}" is not a GCP region like us-central1.`);

  const image = (key: 'gatewayImage' | 'watcherImage'): string | undefined => {
    const value = cfg.get(key)?.trim();
    if (!value) return undefined;
    if (/\s/.test(value)) problems.push(`${key} "${value}" is not an image reference.`);
    return value;
  };

  const minInstances = cfg.getNumber('minInstances') ?? DEFAULTS.minInstances;
  if (!Number.isInteger(minInstances) || minInstances < 0 || minInstances > 100) {
    problems.push(`minInstances must be an integer from 0 to 100, got ${minInstances}.`);
  }

  const memory = cfg.get('memory') || DEFAULTS.memory;
  if (!/^\d+(Mi|Gi)$/.test(memory)) problems.push(`memory "${memory}" must look like 512Mi or 1Gi.`);

  const pollSchedule = cfg.get('pollSchedule') || DEFAULTS.pollSchedule;
  if (pollSchedule.trim().split(/\s+/).length !== 5) {
    problems.push(`pollSchedule "${pollSchedule}" must be a five-field cron expression (e.g. "* * * * *").`);
  }

  const repos = cfg.getObject<unknown>('githubRepositories') ?? DEFAULTS.githubRepositories;
  const githubRepositories: GithubRepository[] = [];
  if (!Array.isArray(repos)) {
    problems.push('githubRepositories must be a list of "owner/name" strings.');
  } else {
    for (const entry of repos) {
      const m = typeof entry === 'string' ? REPO.exec(entry.trim()) : null;
      if (!m) problems.push(`githubRepositories entry ${JSON.stringify(entry)} is not "owner/name".`);
      else githubRepositories.push({ owner: m[1]!, name: m[2]! });
    }
  }

  const supabaseUrl = cfg.get('supabaseUrl')?.trim() || undefined;
  if (supabaseUrl && !/^https:\/\/[^\s/]+\/?$/.test(supabaseUrl)) {
    problems.push(`supabaseUrl "${supabaseUrl}" must be the project URL, like https://<ref>.supabase.co.`);
  }

  // The gateway verifies tokens with the legacy secret, the project's signing keys, or both; in
  // production it refuses to start with neither (runtime/gateway/config.ts), so the stack refuses it first.
  const jwtSecret = optionalSecret(cfg, 'supabaseJwtSecret', problems);
  if (!jwtSecret && !supabaseUrl) {
    problems.push(
      'supabaseJwtSecret or supabaseUrl is required: the gateway verifies tokens with the legacy JWT secret ' +
        '(`pulumi config set --secret supabaseJwtSecret`) or the signing keys under the project URL ' +
        '(`pulumi config set supabaseUrl https://<ref>.supabase.co`).',
    );
  }

  const adoptList = cfg.getObject<unknown>('adopt') ?? DEFAULTS.adopt;
  const adopt = new Set<string>();
  if (!Array.isArray(adoptList)) {
    problems.push('adopt must be a list of names of existing resources (docs/DEPLOY.md, adoption).');
  } else {
    for (const entry of adoptList) {
      if (typeof entry === 'string' && Object.hasOwn(ADOPTABLE, entry)) adopt.add(entry);
      else problems.push(`adopt entry ${JSON.stringify(entry)} is not one of ${Object.keys(ADOPTABLE).join(', ')}.`);
    }
  }

  // Creating webhooks needs a token that may manage them; a preview only compares, so it needs none
  // (pull request previews get no such token).
  const githubToken = (pulumi.runtime.getConfig('github:token') || env.GITHUB_TOKEN || '').trim();
  if (githubRepositories.length > 0 && !githubToken && !pulumi.runtime.isDryRun()) {
    problems.push(
      'githubRepositories is set but there is no GitHub token: export GITHUB_TOKEN (admin:repo_hook, or a ' +
        'GitHub App token with "Webhooks: write") or set `pulumi config set --secret github:token ...`.',
    );
  }

  const config: OasisConfig = {
    project: project ?? '',
    region,
    vtid: vtid.vtid,
    labels: vtid.labels,
    gatewayImage: image('gatewayImage'),
    watcherImage: image('watcherImage'),
    minInstances,
    memory,
    publicRead: cfg.getBoolean('publicRead') ?? DEFAULTS.publicRead,
    pollSchedule,
    deletionProtection: cfg.getBoolean('deletionProtection') ?? DEFAULTS.deletionProtection,
    githubRepositories,
    supabaseUrl,
    supabase: {
      serviceRole: cfg.requireSecret('supabaseServiceRole'),
      dbUrl: cfg.requireSecret('supabaseDbUrl'),
      jwtSecret,
    },
    webhookSecret: {
      current: webhookSecretConfig(cfg, 'githubWebhookSecret', problems),
      next: webhookSecretConfig(cfg, 'githubWebhookSecretNext', problems),
    },
    adopt,
    reconciler: readReconcilerConfig(cfg, problems),
  };

  if (problems.length > 0) {
    throw new pulumi.RunError(`Invalid stack configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return config;
}

/**
 * An optional secret key: Pulumi has no optional `secret: true` key (a key without a default is required,
 * and a secret one cannot have a default), so these are declared plain with an empty default in
 * Pulumi.yaml and always set with `pulumi config set --secret`. Undefined when unset or blank, as the
 * services treat a blank variable. The raw value is looked at only to validate it (`check` returns a
 * problem or nothing); what the program uses is the secret output, trimmed.
 */
function optionalSecret(
  cfg: pulumi.Config,
  key: string,
  problems: string[],
  check: (raw: string) => string | undefined = () => undefined,
): pulumi.Output<string> | undefined {
  const raw = pulumi.runtime.getConfig(`${cfg.name}:${key}`)?.trim();
  if (!raw) return undefined;
  const problem = check(raw);
  if (problem) problems.push(`${key} ${problem}.`);
  return cfg.requireSecret(key).apply((value) => value.trim());
}

/** Shorter secrets are refused: GitHub signs with HMAC-SHA256, and a guessable key defeats it. */
const WEBHOOK_SECRET_MIN_LENGTH = 32;

/** A webhook secret from config (`githubWebhookSecret`, `githubWebhookSecretNext`), or undefined. */
function webhookSecretConfig(cfg: pulumi.Config, key: string, problems: string[]): pulumi.Output<string> | undefined {
  return optionalSecret(cfg, key, problems, (raw) =>
    raw.length < WEBHOOK_SECRET_MIN_LENGTH || /\s/.test(raw)
      ? `must be at least ${WEBHOOK_SECRET_MIN_LENGTH} characters without spaces (e.g. \`openssl rand -hex 32\`)`
      : undefined,
  );
}

const RECONCILER_KEYS: Record<CredentialSetting, string> = {
  token: 'reconcileGithubToken',
  appId: 'reconcileGithubAppId',
  privateKey: 'reconcileGithubAppPrivateKey',
  installationId: 'reconcileGithubAppInstallationId',
  hooks: 'reconcileHooks',
};

/**
 * The delivery reconciler's settings. It is declared exactly when `reconcileHooks` lists a hook; the
 * GitHub credential (a token, or a GitHub App) must then be set, with the same rules the service
 * applies to its environment, and a credential without hooks is refused as a mistake.
 */
export function readReconcilerConfig(cfg: pulumi.Config, problems: string[]): ReconcilerStackConfig | undefined {
  const listed = cfg.getObject<unknown>('reconcileHooks') ?? DEFAULTS.reconcileHooks;
  const entries = Array.isArray(listed) && listed.every((entry) => typeof entry === 'string') ? (listed as string[]) : null;
  if (!entries) {
    problems.push('reconcileHooks must be a list of hooks like "repo:OWNER/NAME/HOOK_ID", "org:ORG/HOOK_ID" or "app".');
    return undefined;
  }
  const token = optionalSecret(cfg, RECONCILER_KEYS.token, problems);
  const privateKey = optionalSecret(cfg, RECONCILER_KEYS.privateKey, problems);
  const appId = cfg.get('reconcileGithubAppId')?.trim() || undefined;
  const installationId = cfg.get('reconcileGithubAppInstallationId')?.trim() || undefined;

  if (entries.length === 0) {
    const set = Object.entries({ token, appId, privateKey, installationId })
      .filter(([, value]) => value !== undefined)
      .map(([key]) => RECONCILER_KEYS[key as CredentialSetting]);
    if (set.length > 0) problems.push(`${set.join(', ')} set but reconcileHooks is empty: list the hooks to reconcile, or remove the credential.`);
    return undefined;
  }
  const parsed = parseHookList(entries.join(','));
  if ('error' in parsed) {
    problems.push(`reconcileHooks ${parsed.error}.`);
    return undefined;
  }
  if (appId !== undefined && !/^(?:[1-9]\d{0,18}|Iv[0-9A-Za-z.]{1,64})$/.test(appId)) problems.push(`reconcileGithubAppId "${appId}" is not a GitHub App id.`);
  if (installationId !== undefined && !/^[1-9]\d{0,18}$/.test(installationId)) problems.push(`reconcileGithubAppInstallationId "${installationId}" is not an installation id.`);
  const present = { token: token !== undefined, appId: appId !== undefined, privateKey: privateKey !== undefined, installationId: installationId !== undefined };
  const credentialIssues = credentialProblems(present, parsed.hooks, (setting) => RECONCILER_KEYS[setting]);
  for (const problem of credentialIssues) problems.push(`${RECONCILER_KEYS[problem.setting]} ${problem.message}.`);

  const intervalMinutes = cfg.getNumber('reconcileIntervalMinutes') ?? DEFAULTS.reconcileIntervalMinutes;
  if (!Number.isInteger(intervalMinutes) || intervalMinutes < 1 || intervalMinutes > 60) {
    problems.push(`reconcileIntervalMinutes must be an integer from 1 to 60, got ${intervalMinutes}.`);
  }
  if (credentialIssues.length > 0) return undefined;
  return {
    hooks: parsed.hooks.map((hook) => hook.key),
    intervalMinutes,
    credential: token ? { kind: 'token', token } : { kind: 'app', appId: appId!, installationId, privateKey: privateKey! },
  };
}
