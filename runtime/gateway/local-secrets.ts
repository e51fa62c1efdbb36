import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { GatewayConfig, ResolvedConfig } from './config.js';

/**
 * Local mode only (never with NODE_ENV=production): secrets that were not configured are generated
 * once per data directory and kept beside it, so tokens printed at one start still work at the next.
 */

/** The two secrets; also the format of the local file (`{ "jwt", "githubWebhook" }`). */
export interface GatewaySecrets {
  jwt: string;
  githubWebhook: string;
}

export function localSecretsPath(dataDir: string): string {
  return `${dataDir.replace(/\/+$/, '')}.secrets.json`;
}

/** The local mode's stored secrets, or null when this data folder has none yet (for `npm run token`). */
export function readLocalSecrets(dataDir: string): GatewaySecrets | null {
  return readStored(localSecretsPath(dataDir));
}

function readStored(path: string): GatewaySecrets | null {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as GatewaySecrets) : null;
}

function loadOrCreate(path: string): { secrets: GatewaySecrets; created: boolean } {
  const stored = readStored(path);
  if (stored) return { secrets: stored, created: false };
  const secrets: GatewaySecrets = {
    jwt: randomBytes(32).toString('base64url'),
    githubWebhook: randomBytes(24).toString('base64url'),
  };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  return { secrets, created: true };
}

/** The secret settings the environment leaves unset (local mode takes them from the file). */
function unsetSecretNames(config: GatewayConfig): string[] {
  const { jwt, githubWebhook } = config.secrets;
  return [...(jwt ? [] : ['SUPABASE_JWT_SECRET']), ...(githubWebhook ? [] : ['GITHUB_WEBHOOK_SECRET'])];
}

/** The configured secrets, the stored ones filling the gaps. */
function withStored(config: GatewayConfig, stored: GatewaySecrets): GatewaySecrets {
  return { jwt: config.secrets.jwt ?? stored.jwt, githubWebhook: config.secrets.githubWebhook ?? stored.githubWebhook };
}

export interface LocalSecrets {
  /** Names of the settings that came from the local file rather than the environment. */
  names: string[];
  file: string;
  /** True when this start made the file (first start on this data folder), false when it reused it. */
  created: boolean;
}

export interface Resolved {
  config: ResolvedConfig;
  /** What was generated or reused for local mode (to tell the user), or null when all were configured. */
  local: LocalSecrets | null;
}

export function resolveSecrets(config: GatewayConfig): Resolved {
  const { jwt, githubWebhook } = config.secrets;
  if (githubWebhook && (jwt || config.production)) {
    // Production may verify with the signing keys alone (jwks.url): loadConfig has made sure one of the two is set.
    return { config: { ...config, secrets: { ...config.secrets, githubWebhook } }, local: null };
  }
  if (config.production) throw new Error('resolveSecrets: production config without secrets (loadConfig should have refused it)');
  // Local mode always has a legacy secret, also beside signing keys: the welcome's service-role token is signed with it.
  const file = localSecretsPath(config.database.dataDir);
  const { secrets: stored, created } = loadOrCreate(file);
  const names = unsetSecretNames(config);
  return {
    config: { ...config, secrets: { ...config.secrets, ...withStored(config, stored) } },
    local: { names, file, created },
  };
}

/**
 * The secrets a gateway started with this configuration signs tokens and checks webhooks with, found
 * the way it finds them (the environment wins, else the local file beside OASIS_DATA_DIR), without
 * generating anything: for tools that talk to a running local gateway (`npm run demo`). `local` says
 * which came from the file. Throws, naming what is missing, when neither has them.
 */
export function findSecrets(config: GatewayConfig): { secrets: GatewaySecrets; local: Omit<LocalSecrets, 'created'> | null } {
  const { jwt, githubWebhook } = config.secrets;
  if (jwt && githubWebhook) return { secrets: { jwt, githubWebhook }, local: null };
  const file = localSecretsPath(config.database.dataDir);
  const names = unsetSecretNames(config);
  const stored = readStored(file);
  if (!stored) {
    throw new Error(`${names.join(' and ')} not set and ${file} does not exist: start the gateway once (npm start) on this data folder, or export the secrets it runs with`);
  }
  return { secrets: withStored(config, stored), local: { names, file } };
}
