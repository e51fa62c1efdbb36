/**
 * The reconciler's only way to GitHub: @octokit/rest against GITHUB_API_URL, for the three kinds of
 * hook (repository, organization, the GitHub App's own), two calls each:
 *   - `listPage`: one page of a hook's deliveries, newest first (`per_page`, and the `cursor` that the
 *     Link header's rel="next" carries);
 *   - `redeliver`: POST …/deliveries/{id}/attempts (202 Accepted: GitHub queues a new attempt, listed
 *     later as a delivery with `redelivery: true` and the same guid).
 *
 * Authentication: a token, or a GitHub App (@octokit/auth-app): the App's JWT for /app/hook/* and an
 * installation token, exchanged at POST /app/installations/{id}/access_tokens and renewed by the
 * library, for repository and organization hooks. No credential is ever logged or put in an error.
 *
 * Failures are typed so the pass can act on them: RateLimitedError (403/429 with retry-after, or with
 * x-ratelimit-remaining 0 until x-ratelimit-reset; a response that leaves 0 remaining makes the next
 * call fail the same way without being sent), HookNotFoundError (404: the hook or delivery is gone),
 * GithubRequestError (anything else: unreachable, timed out, 401, 5xx).
 */
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { z } from 'zod';
import type { Logger } from '../core/log.js';
import type { GithubCredentials } from './config.js';
import type { Hook } from './hooks.js';

/** One delivery as the list endpoint returns it (the fields the reconciler reads). */
export interface ListedDelivery {
  id: number;
  guid: string;
  /** ISO 8601. */
  deliveredAt: string;
  redelivery: boolean;
  status: string;
  statusCode: number;
  event: string;
  action: string | null;
}

export interface DeliveryPage {
  deliveries: ListedDelivery[];
  /** Items that were not deliveries as documented (skipped, counted). */
  unreadable: number;
  /** The cursor of the next (older) page, or null on the last one. */
  nextCursor: string | null;
}

export interface HookDeliveriesClient {
  listPage(hook: Hook, options: { perPage: number; cursor?: string }): Promise<DeliveryPage>;
  redeliver(hook: Hook, deliveryId: number): Promise<void>;
}

export class RateLimitedError extends Error {
  constructor(
    /** How long GitHub asks us to wait, in whole seconds (at least 1). */
    readonly retryAfterSeconds: number,
    readonly until: Date,
    /** primary: x-ratelimit-remaining reached 0; secondary: GitHub said retry-after (or a 429 without it). */
    readonly limit: 'primary' | 'secondary',
  ) {
    super(`GitHub rate limit (${limit}): retry after ${retryAfterSeconds} s (${until.toISOString()})`);
    this.name = 'RateLimitedError';
  }
}

export class HookNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HookNotFoundError';
  }
}

export class GithubRequestError extends Error {
  constructor(
    message: string,
    /** The HTTP status, or null when no answer came (network, timeout). */
    readonly status: number | null,
  ) {
    super(message);
    this.name = 'GithubRequestError';
  }
}

export interface GithubClientOptions {
  apiUrl: string;
  credentials: GithubCredentials;
  timeoutMs: number;
  logger: Logger;
  now?: () => Date;
}

const DeliverySchema = z.object({
  id: z.coerce.number().int().positive(),
  guid: z.string().min(1).max(200),
  delivered_at: z.iso.datetime({ offset: true }),
  redelivery: z.boolean(),
  status: z.string(),
  status_code: z.number().int(),
  event: z.string().min(1).max(100),
  action: z.string().nullable().optional(),
});

type Headers = Record<string, string | number | undefined>;

/** The `cursor` of the rel="next" URL of a Link header, or null. */
export function nextCursorOf(link: string | undefined): string | null {
  if (!link) return null;
  for (const part of link.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (!match) continue;
    try {
      return new URL(match[1]!).searchParams.get('cursor');
    } catch {
      return null;
    }
  }
  return null;
}

const header = (headers: Headers, name: string): string | undefined => {
  const value = headers[name];
  return value === undefined ? undefined : String(value);
};

/**
 * What a 403/429 says about waiting, following GitHub's rules: retry-after seconds first; else
 * x-ratelimit-remaining 0 means until x-ratelimit-reset; else a 429, or a 403 whose message says
 * "rate limit" (secondary limits), waits a minute. Any other 403 is a permission problem: null.
 */
export function rateLimitOf(status: number, headers: Headers, message: string, now: Date): RateLimitedError | null {
  if (status !== 403 && status !== 429) return null;
  const wait = (seconds: number, limit: 'primary' | 'secondary') => {
    const whole = Math.max(1, Math.ceil(seconds));
    return new RateLimitedError(whole, new Date(now.getTime() + whole * 1000), limit);
  };
  const retryAfter = header(headers, 'retry-after');
  if (retryAfter !== undefined && /^\d+$/.test(retryAfter.trim())) return wait(Number(retryAfter), 'secondary');
  const reset = Number(header(headers, 'x-ratelimit-reset'));
  if (header(headers, 'x-ratelimit-remaining') === '0' && Number.isFinite(reset)) return wait(reset - now.getTime() / 1000, 'primary');
  if (status === 429 || /rate limit/i.test(message)) return wait(60, 'secondary');
  return null;
}

/** `fetch` with a time limit per request, so a hanging GitHub cannot hold a pass forever. */
function fetchWithin(timeoutMs: number): typeof fetch {
  return (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return fetch(input, { ...init, signal });
  };
}

function createOctokit(options: GithubClientOptions): Octokit {
  const { credentials, logger } = options;
  const common = {
    baseUrl: options.apiUrl,
    userAgent: 'vitana-oasis-reconciler',
    request: { fetch: fetchWithin(options.timeoutMs) },
    // Octokit's own lines (one per request at info, warnings from auth-app) carry no credential.
    log: {
      debug: () => {},
      info: () => {},
      warn: (message: string) => logger.warn(message),
      error: (message: string) => logger.error(message),
    },
  };
  if (credentials.kind === 'token') return new Octokit({ ...common, auth: credentials.token });
  return new Octokit({
    ...common,
    authStrategy: createAppAuth,
    auth: {
      appId: credentials.appId,
      privateKey: credentials.privateKey,
      ...(credentials.installationId !== undefined ? { installationId: credentials.installationId } : {}),
    },
  });
}

interface OctokitFailure {
  status?: unknown;
  message?: unknown;
  response?: { headers?: Headers };
}

export function createGithubClient(options: GithubClientOptions): HookDeliveriesClient {
  const octokit = createOctokit(options);
  const now = options.now ?? (() => new Date());
  // Set when a response left no request in the quota: nothing is sent before this time.
  let exhausted: RateLimitedError | null = null;

  async function call<T extends { headers: Headers }>(what: string, send: () => Promise<T>): Promise<T> {
    if (exhausted) {
      const leftMs = exhausted.until.getTime() - now().getTime();
      if (leftMs > 0) throw new RateLimitedError(Math.ceil(leftMs / 1000), exhausted.until, 'primary');
      exhausted = null;
    }
    let response: T;
    try {
      response = await send();
    } catch (error) {
      const failure = error as OctokitFailure;
      const status = typeof failure.status === 'number' ? failure.status : null;
      const message = typeof failure.message === 'string' ? failure.message : String(error);
      if (status === null) throw new GithubRequestError(`${what}: GitHub unreachable (${message})`, null);
      const limited = rateLimitOf(status, failure.response?.headers ?? {}, message, now());
      if (limited) throw limited;
      if (status === 404) throw new HookNotFoundError(`${what}: 404 ${message}`);
      throw new GithubRequestError(`${what}: ${status} ${message}`, status);
    }
    const remaining = header(response.headers, 'x-ratelimit-remaining');
    const reset = Number(header(response.headers, 'x-ratelimit-reset'));
    if (remaining === '0' && Number.isFinite(reset)) exhausted = rateLimitOf(403, response.headers, '', now());
    return response;
  }

  return {
    async listPage(hook, { perPage, cursor }) {
      const query = { per_page: perPage, ...(cursor ? { cursor } : {}) };
      const what = `list deliveries of ${hook.key}`;
      const response = await call(what, () => {
        if (hook.type === 'repo') return octokit.rest.repos.listWebhookDeliveries({ owner: hook.owner, repo: hook.repo, hook_id: hook.hookId, ...query });
        if (hook.type === 'org') return octokit.rest.orgs.listWebhookDeliveries({ org: hook.org, hook_id: hook.hookId, ...query });
        return octokit.rest.apps.listWebhookDeliveries(query);
      });
      const items: unknown[] = Array.isArray(response.data) ? response.data : [];
      const deliveries: ListedDelivery[] = [];
      for (const item of items) {
        const parsed = DeliverySchema.safeParse(item);
        if (!parsed.success) continue;
        const d = parsed.data;
        deliveries.push({
          id: d.id,
          guid: d.guid,
          deliveredAt: new Date(d.delivered_at).toISOString(),
          redelivery: d.redelivery,
          status: d.status,
          statusCode: d.status_code,
          event: d.event,
          action: d.action ?? null,
        });
      }
      return { deliveries, unreadable: items.length - deliveries.length, nextCursor: nextCursorOf(header(response.headers, 'link')) };
    },

    async redeliver(hook, deliveryId) {
      const what = `redeliver delivery ${deliveryId} of ${hook.key}`;
      await call(what, () => {
        if (hook.type === 'repo') {
          return octokit.rest.repos.redeliverWebhookDelivery({ owner: hook.owner, repo: hook.repo, hook_id: hook.hookId, delivery_id: deliveryId });
        }
        if (hook.type === 'org') return octokit.rest.orgs.redeliverWebhookDelivery({ org: hook.org, hook_id: hook.hookId, delivery_id: deliveryId });
        return octokit.rest.apps.redeliverWebhookDelivery({ delivery_id: deliveryId });
      });
    },
  };
}
