import { createPublicKey, createVerify, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signGithubBody } from './github.js';

/**
 * A local GitHub REST API for the webhook-delivery endpoints, speaking their documented shapes, for
 * tests that drive the real @octokit/rest client against it:
 *
 *   GET  /repos/{owner}/{repo}/hooks/{hook_id}/deliveries        GET  /orgs/{org}/hooks/{hook_id}/deliveries
 *   POST /repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{id}/attempts
 *   POST /orgs/{org}/hooks/{hook_id}/deliveries/{id}/attempts
 *   GET  /app/hook/deliveries     POST /app/hook/deliveries/{id}/attempts     (the App's JWT only)
 *   POST /app/installations/{installation_id}/access_tokens      (JWT -> installation token, 201)
 *
 * Lists are newest first, `per_page` (default 30, max 100) with cursor pagination in the Link header
 * (rel="next"/"prev"); a deleted hook is 404 `{"message":"Not Found"}`; every answer carries
 * x-ratelimit-limit/-remaining/-reset, and a quota that runs out answers 403 with remaining 0, as does
 * a forced limit (403 primary, 429 or 403 with retry-after). An attempt answers 202 and is recorded;
 * what GitHub then does with it is the test's choice: deliver it to a gateway for real (signed as
 * GitHub signs, then listed as a redelivery with the gateway's status), list it as failed, or leave it
 * queued (not listed yet).
 */

export interface FakeDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  duration: number;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
  installation_id: number | null;
  repository_id: number | null;
  throttled_at: string | null;
}

export interface DeliveryInput {
  guid?: string;
  event?: string;
  action?: string | null;
  statusCode?: number;
  redelivery?: boolean;
  /** Default: now. */
  deliveredAt?: Date;
  /** The body GitHub would send again on a redelivery. */
  payload?: Record<string, unknown>;
}

export interface RecordedAttempt {
  hook: string;
  deliveryId: number;
  guid: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** token: a token or installation token; jwt: an App JWT; none. */
  auth: 'token' | 'jwt' | 'none';
}

/** What happens after an attempt was accepted (202). */
export type AttemptOutcome =
  | { kind: 'deliver'; url: string; secret: string }
  | { kind: 'fail'; statusCode: number }
  | { kind: 'queue' };

export type ForcedLimit =
  | { kind: 'primary'; resetInSeconds: number }
  | { kind: 'retry-after'; status: 403 | 429; seconds: number };

export interface FakeGithubOptions {
  /** A token the API accepts (`Authorization: token …` or `Bearer …`). */
  token?: string;
  /** A GitHub App: its id and public key (JWTs are verified), and its installation. */
  app?: { id: string; publicKeyPem: string; installationId: number };
}

export interface FakeGithub {
  url: string;
  requests: RecordedRequest[];
  attempts: RecordedAttempt[];
  /** Tokens handed out by POST /app/installations/{id}/access_tokens. */
  installationTokens: string[];
  /** Declares a hook: `repo:OWNER/NAME/ID`, `org:ORG/ID` or `app` (the reconciler's spelling). */
  addHook(spec: string): void;
  deleteHook(spec: string): void;
  addDelivery(spec: string, input?: DeliveryInput): FakeDelivery;
  deliveries(spec: string): FakeDelivery[];
  /** Answers the next attempts with this outcome (default: queue). */
  onAttempt(outcome: AttemptOutcome): void;
  /** Requests left in the quota; when it is spent, every request answers 403 with remaining 0. */
  setQuota(remaining: number, resetInSeconds?: number): void;
  /** Lets `afterRequests` more requests through, then answers every one with this limit. */
  limitAfter(afterRequests: number, limit: ForcedLimit): void;
  close(): Promise<void>;
}

interface HookState {
  spec: string;
  deleted: boolean;
  /** Oldest first; listed newest first. */
  deliveries: FakeDelivery[];
  payloads: Map<number, { event: string; payload: Record<string, unknown> }>;
}

const MAX_PER_PAGE = 100;

function hookPath(spec: string): string {
  if (spec === 'app') return '/app/hook';
  const repo = /^repo:([^/]+)\/([^/]+)\/(\d+)$/.exec(spec);
  if (repo) return `/repos/${repo[1]}/${repo[2]}/hooks/${repo[3]}`.toLowerCase();
  const org = /^org:([^/]+)\/(\d+)$/.exec(spec);
  if (org) return `/orgs/${org[1]}/hooks/${org[2]}`.toLowerCase();
  throw new Error(`not a hook spec: ${spec}`);
}

function base64url(text: string): Buffer {
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/** Verifies an RS256 App JWT as GitHub does: signature by the App's key, iss = the App id, not expired. */
function verifyAppJwt(token: string, appId: string, key: KeyObject): boolean {
  const parts = token.split('.');
  if (parts.length !== 3) return false;
  const verifier = createVerify('RSA-SHA256');
  verifier.update(`${parts[0]}.${parts[1]}`);
  if (!verifier.verify(key, base64url(parts[2]!))) return false;
  try {
    const claims = JSON.parse(base64url(parts[1]!).toString('utf8')) as { iss?: unknown; exp?: unknown; iat?: unknown };
    const now = Date.now() / 1000;
    return String(claims.iss) === appId && typeof claims.exp === 'number' && claims.exp > now && typeof claims.iat === 'number' && claims.iat <= now + 60;
  } catch {
    return false;
  }
}

export async function startFakeGithub(options: FakeGithubOptions = {}): Promise<FakeGithub> {
  const hooks = new Map<string, HookState>();
  const requests: RecordedRequest[] = [];
  const attempts: RecordedAttempt[] = [];
  const installationTokens: string[] = [];
  const appKey = options.app ? createPublicKey(options.app.publicKeyPem) : null;
  let nextId = 1_000;
  let attemptOutcome: AttemptOutcome = { kind: 'queue' };
  let quota = { limit: 5_000, remaining: 5_000, reset: Math.floor(Date.now() / 1000) + 3_600 };
  let forced: { from: number; limit: ForcedLimit } | null = null;
  let url = '';

  const hookOf = (spec: string): HookState => {
    const hook = hooks.get(hookPath(spec));
    if (!hook) throw new Error(`no hook ${spec}`);
    return hook;
  };

  function record(hook: HookState, input: DeliveryInput): FakeDelivery {
    const statusCode = input.statusCode ?? 200;
    const delivery: FakeDelivery = {
      id: nextId++,
      guid: input.guid ?? randomUUID(),
      delivered_at: (input.deliveredAt ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      redelivery: input.redelivery ?? false,
      duration: 0.05,
      status: statusCode === 0 ? 'failed to connect' : statusCode >= 200 && statusCode < 300 ? 'OK' : `Invalid HTTP Response: ${statusCode}`,
      status_code: statusCode,
      event: input.event ?? 'push',
      action: input.action ?? null,
      installation_id: null,
      repository_id: 123_456,
      throttled_at: null,
    };
    hook.deliveries.push(delivery);
    const earlier = hook.deliveries.find((known) => known.guid === delivery.guid && hook.payloads.has(known.id));
    const payload = input.payload ?? (earlier ? hook.payloads.get(earlier.id)!.payload : { zen: 'Keep it simple.' });
    hook.payloads.set(delivery.id, { event: delivery.event, payload });
    return delivery;
  }

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'x-ratelimit-limit': String(quota.limit),
      'x-ratelimit-remaining': String(Math.max(0, quota.remaining)),
      'x-ratelimit-reset': String(quota.reset),
      'x-ratelimit-resource': 'core',
      'x-github-api-version-selected': '2022-11-28',
      ...headers,
    });
    res.end(text);
  }

  /** Answers request number `index` with the limit in force and says so; else counts it against the quota. */
  function limited(res: ServerResponse, index: number): boolean {
    if (forced && index >= forced.from) {
      const { limit } = forced;
      if (limit.kind === 'primary') {
        quota.remaining = 0;
        quota.reset = Math.floor(Date.now() / 1000) + limit.resetInSeconds;
        send(res, 403, { message: 'API rate limit exceeded for installation.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api' });
      } else {
        send(res, limit.status, { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' }, { 'retry-after': String(limit.seconds) });
      }
      return true;
    }
    if (quota.remaining <= 0) {
      send(res, 403, { message: 'API rate limit exceeded.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api' });
      return true;
    }
    quota.remaining -= 1;
    return false;
  }

  async function deliverAgain(hook: HookState, original: FakeDelivery, outcome: AttemptOutcome): Promise<void> {
    if (outcome.kind === 'queue') return;
    if (outcome.kind === 'fail') {
      record(hook, { guid: original.guid, event: original.event, action: original.action, statusCode: outcome.statusCode, redelivery: true });
      return;
    }
    const { payload } = hook.payloads.get(original.id)!;
    const body = JSON.stringify(payload);
    let statusCode = 0;
    try {
      const response = await fetch(`${outcome.url}/webhooks/github`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'GitHub-Hookshot/7e4b2f1',
          'x-github-event': original.event,
          'x-github-delivery': original.guid,
          'x-github-hook-id': hook.spec === 'app' ? '1' : hook.spec.split('/').pop()!,
          'x-hub-signature-256': signGithubBody(body, outcome.secret),
        },
        body,
      });
      await response.arrayBuffer();
      statusCode = response.status;
    } catch {
      statusCode = 0;
    }
    record(hook, { guid: original.guid, event: original.event, action: original.action, statusCode, redelivery: true });
  }

  function authOf(req: IncomingMessage): { kind: 'token' | 'jwt' | 'none'; value: string } {
    const header = req.headers.authorization ?? '';
    const match = /^(token|bearer)\s+(\S+)$/i.exec(header);
    if (!match) return { kind: 'none', value: '' };
    const value = match[2]!;
    return { kind: value.split('.').length === 3 ? 'jwt' : 'token', value };
  }

  function authorized(path: string, auth: { kind: string; value: string }): boolean {
    const appRoute = path.startsWith('/app/');
    if (appRoute) return options.app !== undefined && auth.kind === 'jwt' && verifyAppJwt(auth.value, options.app.id, appKey!);
    if (auth.kind !== 'token') return false;
    return auth.value === options.token || installationTokens.includes(auth.value);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = new URL(req.url ?? '/', url);
    const path = target.pathname.toLowerCase();
    const auth = authOf(req);
    const index = requests.length;
    requests.push({ method: req.method ?? '', path, query: Object.fromEntries(target.searchParams), auth: auth.kind });
    if (limited(res, index)) return;
    if (!authorized(path, auth)) return send(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });

    const exchange = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path);
    if (exchange && req.method === 'POST') {
      if (Number(exchange[1]) !== options.app?.installationId) return send(res, 404, { message: 'Not Found' });
      const token = `ghs_${randomBytes(18).toString('hex')}`;
      installationTokens.push(token);
      return send(res, 201, {
        token,
        expires_at: new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        permissions: { repository_hooks: 'write', organization_hooks: 'write' },
        repository_selection: 'all',
      });
    }

    const route = /^(\/(?:repos\/[^/]+\/[^/]+\/hooks\/\d+|orgs\/[^/]+\/hooks\/\d+|app\/hook))\/deliveries(?:\/(\d+)\/attempts)?$/.exec(path);
    const hook = route ? hooks.get(route[1]!) : undefined;
    if (!route || !hook || hook.deleted) return send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });

    if (route[2] !== undefined && req.method === 'POST') {
      const original = hook.deliveries.find((delivery) => delivery.id === Number(route[2]));
      if (!original) return send(res, 404, { message: 'Not Found' });
      attempts.push({ hook: hook.spec, deliveryId: original.id, guid: original.guid });
      // GitHub queues the attempt; here it is carried out before the answer, so tests need not wait.
      await deliverAgain(hook, original, attemptOutcome);
      return send(res, 202, {});
    }
    if (route[2] !== undefined || req.method !== 'GET') return send(res, 404, { message: 'Not Found' });

    const perPage = Math.min(MAX_PER_PAGE, Math.max(1, Number(target.searchParams.get('per_page') ?? 30) || 30));
    const newestFirst = [...hook.deliveries].sort((a, b) => b.id - a.id);
    const cursor = target.searchParams.get('cursor');
    const start = cursor ? newestFirst.findIndex((delivery) => `v1_${delivery.id}` === cursor) : 0;
    if (start < 0) return send(res, 422, { message: 'Validation Failed', errors: [{ field: 'cursor', code: 'invalid' }] });
    const page = newestFirst.slice(start, start + perPage);
    const links: string[] = [];
    const pageUrl = (next: string | null) => `${url}${route[1]}/deliveries?per_page=${perPage}${next ? `&cursor=${next}` : ''}`;
    const following = newestFirst[start + perPage];
    if (following) links.push(`<${pageUrl(`v1_${following.id}`)}>; rel="next"`);
    if (start > 0) links.push(`<${pageUrl(null)}>; rel="prev"`);
    return send(res, 200, page, links.length ? { link: links.join(', ') } : {});
  }

  const server = createServer((req, res) => {
    // Bodies (attempts send none) are drained so the connection can be reused.
    req.resume();
    req.on('end', () => {
      handle(req, res).catch((error: unknown) => send(res, 500, { message: String(error) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    requests,
    attempts,
    installationTokens,
    addHook(spec) {
      hooks.set(hookPath(spec), { spec, deleted: false, deliveries: [], payloads: new Map() });
    },
    deleteHook(spec) {
      hookOf(spec).deleted = true;
    },
    addDelivery(spec, input = {}) {
      return record(hookOf(spec), input);
    },
    deliveries(spec) {
      return [...hookOf(spec).deliveries];
    },
    onAttempt(outcome) {
      attemptOutcome = outcome;
    },
    setQuota(remaining, resetInSeconds = 3_600) {
      quota = { limit: 5_000, remaining, reset: Math.floor(Date.now() / 1000) + resetInSeconds };
    },
    limitAfter(afterRequests, limit) {
      forced = { from: requests.length + afterRequests, limit };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
