import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../runtime/gateway/config.js';
import { findSecrets, resolveSecrets } from '../../runtime/gateway/local-secrets.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';

/** findSecrets: what a tool finds is what the gateway started on the same settings uses, and it never generates. */

afterAll(removeTempDirs);

const JWT = 'a-jwt-secret-that-is-at-least-32-characters-long';

describe('findSecrets', () => {
  it('finds the secrets a local gateway generated for its data folder; the environment wins over the file', () => {
    const dataDir = join(tempDir('oasis-secrets-'), 'pglite');
    const gateway = resolveSecrets(loadConfig({ OASIS_DATA_DIR: dataDir })).config.secrets;

    expect(findSecrets(loadConfig({ OASIS_DATA_DIR: dataDir }))).toEqual({
      secrets: { jwt: gateway.jwt, githubWebhook: gateway.githubWebhook },
      local: { names: ['SUPABASE_JWT_SECRET', 'GITHUB_WEBHOOK_SECRET'], file: `${dataDir}.secrets.json` },
    });
    expect(findSecrets(loadConfig({ OASIS_DATA_DIR: dataDir, SUPABASE_JWT_SECRET: JWT }))).toEqual({
      secrets: { jwt: JWT, githubWebhook: gateway.githubWebhook },
      local: { names: ['GITHUB_WEBHOOK_SECRET'], file: `${dataDir}.secrets.json` },
    });
    expect(findSecrets(loadConfig({ OASIS_DATA_DIR: dataDir, SUPABASE_JWT_SECRET: JWT, GITHUB_WEBHOOK_SECRET: 'hook' }))).toEqual({
      secrets: { jwt: JWT, githubWebhook: 'hook' },
      local: null,
    });
  });

  it('names what is missing when no gateway ran on the folder, and creates nothing', () => {
    const dataDir = join(tempDir('oasis-secrets-'), 'pglite');
    expect(() => findSecrets(loadConfig({ OASIS_DATA_DIR: dataDir, SUPABASE_JWT_SECRET: JWT }))).toThrow(
      `GITHUB_WEBHOOK_SECRET not set and ${dataDir}.secrets.json does not exist: start the gateway once (npm start) on this data folder, or export the secrets it runs with`,
    );
    expect(existsSync(`${dataDir}.secrets.json`)).toBe(false);
  });
});
