import { z } from 'zod';
import { defineEnv, EnvError, httpUrl, integer, optionalInteger, postgresUrl, type EnvSource } from '../service/env.js';
import { credentialProblems, type CredentialSetting } from './credential-rules.js';
import { parseHookList, type Hook } from './hooks.js';

/**
 * The delivery reconciler's configuration: read from the environment and validated once at start. A
 * bad or missing setting throws a ReconcilerConfigError whose one-line message names every offending
 * variable (never a credential's value); server.ts and cli.ts log that line and exit 1.
 */

export class ReconcilerConfigError extends EnvError {}

/** GitHub keeps a hook's deliveries, and redelivers them, for 3 days: a longer window finds nothing more. */
export const GITHUB_RETENTION_MINUTES = 3 * 24 * 60;

const ENV_NAMES: Record<CredentialSetting, string> = {
  token: 'GITHUB_TOKEN',
  appId: 'GITHUB_APP_ID',
  privateKey: 'GITHUB_APP_PRIVATE_KEY',
  installationId: 'GITHUB_APP_INSTALLATION_ID',
  hooks: 'RECONCILE_HOOKS',
};

const EnvSchema = z
  .object({
    PORT: integer(0, 65_535, 8080),
    DATABASE_URL: postgresUrl('the OASIS PostgreSQL URL, as the gateway uses it'),
    DATABASE_POOL_MAX: integer(1, 20, 2),
    DATABASE_ACQUIRE_TIMEOUT_MS: integer(100, 600_000, 10_000),
    RECONCILE_HOOKS: z
      .string()
      .optional()
      .transform((value, ctx) => {
        const parsed = parseHookList(value ?? '');
        if ('error' in parsed) {
          ctx.addIssue({ code: 'custom', message: parsed.error });
          return z.NEVER;
        }
        return parsed.hooks;
      }),
    GITHUB_API_URL: httpUrl().default('https://api.github.com'),
    GITHUB_TOKEN: z.string().trim().optional(),
    GITHUB_APP_ID: z
      .string()
      .trim()
      .regex(/^(?:[1-9]\d{0,18}|Iv[0-9A-Za-z.]{1,64})$/, "must be the App's numeric id (or its client id, Iv…)")
      .optional(),
    GITHUB_APP_PRIVATE_KEY: z
      .string()
      .trim()
      // Secret Manager and .env files often carry the PEM on one line with literal \n.
      .transform((value) => value.replace(/\\n/g, '\n'))
      .refine((value) => /^-----BEGIN (RSA )?PRIVATE KEY-----\n[\s\S]+\n-----END (RSA )?PRIVATE KEY-----$/.test(value), {
        message: "must be the App's PEM private key (-----BEGIN … PRIVATE KEY-----)",
      })
      .optional(),
    GITHUB_APP_INSTALLATION_ID: optionalInteger(1, Number.MAX_SAFE_INTEGER),
    RECONCILE_LOOKBACK_MINUTES: integer(1, GITHUB_RETENTION_MINUTES, GITHUB_RETENTION_MINUTES),
    RECONCILE_PAGE_SIZE: integer(1, 100, 100),
    RECONCILE_MAX_PAGES: integer(1, 100, 10),
    RECONCILE_MAX_REDELIVERIES: integer(0, 1_000, 100),
    RECONCILE_MAX_ATTEMPTS: integer(1, 20, 3),
    RECONCILE_GITHUB_TIMEOUT_MS: integer(100, 120_000, 10_000),
    SHUTDOWN_GRACE_MS: integer(0, 60_000, 8_000),
  })
  .superRefine(
    (env, ctx) => {
      const present = {
        token: env.GITHUB_TOKEN !== undefined,
        appId: env.GITHUB_APP_ID !== undefined,
        privateKey: env.GITHUB_APP_PRIVATE_KEY !== undefined,
        installationId: env.GITHUB_APP_INSTALLATION_ID !== undefined,
      };
      const hooks = Array.isArray(env.RECONCILE_HOOKS) ? env.RECONCILE_HOOKS : [];
      for (const problem of credentialProblems(present, hooks, (setting) => ENV_NAMES[setting])) {
        ctx.addIssue({ code: 'custom', path: [ENV_NAMES[problem.setting]], message: problem.message });
      }
    },
    // Also when another setting is bad: the one line names every problem at once.
    { when: () => true },
  );

export type GithubCredentials =
  | { kind: 'token'; token: string }
  | { kind: 'app'; appId: string; privateKey: string; installationId?: number };

export interface ReconcilerConfig {
  port: number;
  database: { url: string; poolMax: number; acquireTimeoutMs: number };
  hooks: Hook[];
  github: { apiUrl: string; credentials: GithubCredentials; timeoutMs: number };
  pass: {
    lookbackMinutes: number;
    pageSize: number;
    /** List requests per hook and pass. */
    maxPages: number;
    /** Redelivery requests per pass, all hooks together (0: list and report only). */
    maxRedeliveries: number;
    /** Redeliveries GitHub lists for one delivery before the reconciler stops asking. */
    maxAttempts: number;
  };
  shutdownGraceMs: number;
}

const readEnv = defineEnv(EnvSchema, { subject: 'invalid reconciler configuration', error: ReconcilerConfigError });

/** Reads and validates the environment. Throws ReconcilerConfigError (one line) naming every bad setting. */
export function loadReconcilerConfig(env: EnvSource = process.env): ReconcilerConfig {
  const e = readEnv(env);
  const credentials: GithubCredentials =
    e.GITHUB_TOKEN !== undefined
      ? { kind: 'token', token: e.GITHUB_TOKEN }
      : {
          kind: 'app',
          appId: e.GITHUB_APP_ID!,
          privateKey: e.GITHUB_APP_PRIVATE_KEY!,
          ...(e.GITHUB_APP_INSTALLATION_ID !== undefined ? { installationId: e.GITHUB_APP_INSTALLATION_ID } : {}),
        };
  return {
    port: e.PORT,
    database: { url: e.DATABASE_URL, poolMax: e.DATABASE_POOL_MAX, acquireTimeoutMs: e.DATABASE_ACQUIRE_TIMEOUT_MS },
    hooks: e.RECONCILE_HOOKS,
    github: { apiUrl: e.GITHUB_API_URL, credentials, timeoutMs: e.RECONCILE_GITHUB_TIMEOUT_MS },
    pass: {
      lookbackMinutes: e.RECONCILE_LOOKBACK_MINUTES,
      pageSize: e.RECONCILE_PAGE_SIZE,
      maxPages: e.RECONCILE_MAX_PAGES,
      maxRedeliveries: e.RECONCILE_MAX_REDELIVERIES,
      maxAttempts: e.RECONCILE_MAX_ATTEMPTS,
    },
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
  };
}

/** What may be logged about the configuration: everything but the credentials' values. */
export function describeConfig(config: ReconcilerConfig): Record<string, unknown> {
  const { credentials } = config.github;
  return {
    hooks: config.hooks.map((hook) => hook.key),
    githubApi: config.github.apiUrl,
    auth: credentials.kind === 'token' ? 'token' : { app: credentials.appId, installation: credentials.installationId ?? null },
    ...config.pass,
  };
}
