import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { GatewayConfig, ResolvedConfig } from './config.js';

/**
 * Local mode only (never with NODE_ENV=production): secrets that were not configured are generated
 * once per data directory and kept beside it, so tokens printed at one start still work at the next.
 */

interface StoredSecrets {
  jwt: string;
  githubWebhook: string;
}

export function localSecretsPath(dataDir: string): string {
  return `${dataDir.replace(/\/+$/, '')}.secrets.json`;
}

/** The local mode's stored secrets, or null when this data folder has none yet (for `npm run token`). */
export function readLocalSecrets(dataDir: string): StoredSecrets | null {
  const path = localSecretsPath(dataDir);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as StoredSecrets) : null;
}

function loadOrCreate(path: string): { secrets: StoredSecrets; created: boolean } {
  if (existsSync(path)) return { secrets: JSON.parse(readFileSync(path, 'utf8')) as StoredSecrets, created: false };
  const secrets: StoredSecrets = {
    jwt: randomBytes(32).toString('base64url'),
    githubWebhook: randomBytes(24).toString('base64url'),
  };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  return { secrets, created: true };
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
  const names = [...(jwt ? [] : ['SUPABASE_JWT_SECRET']), ...(githubWebhook ? [] : ['GITHUB_WEBHOOK_SECRET'])];
  return {
    config: { ...config, secrets: { ...config.secrets, jwt: jwt ?? stored.jwt, githubWebhook: githubWebhook ?? stored.githubWebhook } },
    local: { names, file, created },
  };
}
