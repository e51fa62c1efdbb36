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
import { parseVtid } from '../runtime/vtid/parse.js';
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
  reconcileHooks: [] as string[],
  reconcileIntervalMinutes: 15,
  reconcileGithubAppId: '',
  reconcileGithubAppInstallationId: '',
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
  supabase: {
    url: pulumi.Output<string>;
    serviceRole: pulumi.Output<string>;
    dbUrl: pulumi.Output<string>;
    jwtSecret: pulumi.Output<string>;
  };
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
  'Set it with `pulumi config set vtid DEV-CICDL-0031` (or export VTID=...); ids look like ' +
  'LAYER-MODULE-NNNN (DEV-CICDL-0031) or VTID-YYYY-NNNN (VTID-2026-0042).';

/**
 * The VTID guard: `vtid` from config, else `VTID` from the environment; it must be exactly one id and
 * convertible to GCP labels. Returns the labels or the one problem.
 */
export function resolveVtid(
  configured: { vtid?: string | undefined; layer?: string | undefined; module?: string | undefined },
  env: NodeJS.ProcessEnv,
): { vtid: string; labels: Labels } | { error: string } {
  const fromConfig = configured.vtid?.trim();
  const raw = fromConfig || env.VTID?.trim();
  const source = fromConfig ? 'config `vtid`' : 'environment variable VTID';
  if (!raw) return { error: `No VTID: neither config \`vtid\` nor the environment variable VTID is set. ${VTID_HELP}` };

  const parsed = parseVtid(raw);
  if (!parsed) return { error: `Malformed VTID "${raw}" (from ${source}). ${VTID_HELP}` };

  const layer = configured.layer?.trim() || parsed.layer;
  const module = configured.module?.trim() || parsed.module;
  if (!layer || !module) {
    return {
      error:
        `VTID ${parsed.vtid} carries no layer/module; set them with ` +
        '`pulumi config set layer DEV` and `pulumi config set module CICDL`.',
    };
  }
  try {
    return { vtid: parsed.vtid, labels: makeLabels({ vtid: parsed.vtid, layer, module }) };
  } catch (e) {
    return { error: `VTID ${parsed.vtid} (from ${source}) cannot label GCP resources: ${(e as Error).message}.` };
  }
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
    supabase: {
      url: cfg.requireSecret('supabaseUrl'),
      serviceRole: cfg.requireSecret('supabaseServiceRole'),
      dbUrl: cfg.requireSecret('supabaseDbUrl'),
      jwtSecret: cfg.requireSecret('supabaseJwtSecret'),
    },
    reconciler: readReconcilerConfig(cfg, problems),
  };

  if (problems.length > 0) {
    throw new pulumi.RunError(`Invalid stack configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return config;
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
  const token = cfg.getSecret('reconcileGithubToken');
  const privateKey = cfg.getSecret('reconcileGithubAppPrivateKey');
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
