import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../runtime/core/log.js';
import type { GithubCredentials } from '../../runtime/reconciler/config.js';
import { createGithubClient, HookNotFoundError, nextCursorOf, RateLimitedError, rateLimitOf } from '../../runtime/reconciler/github-client.js';
import { parseHook, type Hook } from '../../runtime/reconciler/hooks.js';
import { startFakeGithub, type FakeGithub } from '../helpers/github-rest-server.js';

/** The real @octokit/rest (and @octokit/auth-app) client against a local server speaking GitHub's REST shapes. */

const TOKEN = 'ghp_reconcilertesttoken0123456789abcdef';
const hook = (spec: string) => parseHook(spec) as Hook;
let github: FakeGithub | undefined;
afterEach(async () => {
  await github?.close();
  github = undefined;
});

function client(credentials: GithubCredentials = { kind: 'token', token: TOKEN }) {
  const logger = createMemoryLogger();
  return { client: createGithubClient({ apiUrl: github!.url, credentials, timeoutMs: 5_000, logger }), logger };
}

describe('listing deliveries', () => {
  it('reads a page newest first and follows the Link header cursor, for repository and organization hooks', async () => {
    github = await startFakeGithub({ token: TOKEN });
    for (const spec of ['repo:acme/api/11', 'org:acme/22']) {
      github.addHook(spec);
      for (let i = 0; i < 3; i++) github.addDelivery(spec, { event: 'push', statusCode: i === 1 ? 502 : 200 });
    }
    const { client: gh } = client();
    const first = await gh.listPage(hook('repo:acme/api/11'), { perPage: 2 });
    const all = github.deliveries('repo:acme/api/11');
    expect(first.deliveries.map((d) => d.id)).toEqual([all[2]!.id, all[1]!.id]);
    expect(first.deliveries[1]).toEqual({
      id: all[1]!.id,
      guid: all[1]!.guid,
      deliveredAt: new Date(all[1]!.delivered_at).toISOString(),
      redelivery: false,
      status: 'Invalid HTTP Response: 502',
      statusCode: 502,
      event: 'push',
      action: null,
    });
    expect(first.nextCursor).toBe(`v1_${all[0]!.id}`);
    const second = await gh.listPage(hook('repo:acme/api/11'), { perPage: 2, cursor: first.nextCursor! });
    expect(second.deliveries.map((d) => d.id)).toEqual([all[0]!.id]);
    expect(second.nextCursor).toBeNull();
    expect((await gh.listPage(hook('org:acme/22'), { perPage: 100 })).deliveries).toHaveLength(3);
    expect(github.requests.map((r) => [r.method, r.path, r.query.cursor ?? null, r.auth])).toEqual([
      ['GET', '/repos/acme/api/hooks/11/deliveries', null, 'token'],
      ['GET', '/repos/acme/api/hooks/11/deliveries', `v1_${all[0]!.id}`, 'token'],
      ['GET', '/orgs/acme/hooks/22/deliveries', null, 'token'],
    ]);
  });

  it('turns a deleted hook into HookNotFoundError', async () => {
    github = await startFakeGithub({ token: TOKEN });
    github.addHook('repo:acme/gone/5');
    github.deleteHook('repo:acme/gone/5');
    await expect(client().client.listPage(hook('repo:acme/gone/5'), { perPage: 10 })).rejects.toBeInstanceOf(HookNotFoundError);
  });

  it('requests a redelivery: POST …/attempts, 202', async () => {
    github = await startFakeGithub({ token: TOKEN });
    github.addHook('repo:acme/api/11');
    const delivery = github.addDelivery('repo:acme/api/11', { statusCode: 502 });
    await client().client.redeliver(hook('repo:acme/api/11'), delivery.id);
    expect(github.attempts).toEqual([{ hook: 'repo:acme/api/11', deliveryId: delivery.id, guid: delivery.guid }]);
  });
});

describe('rate limits', () => {
  const NOW = new Date('2026-03-14T10:00:00Z');

  it('reads retry-after first, then x-ratelimit-remaining 0 until x-ratelimit-reset, then a minute for secondary limits', () => {
    expect(rateLimitOf(429, { 'retry-after': '30' }, '', NOW)).toMatchObject({ retryAfterSeconds: 30, limit: 'secondary', until: new Date('2026-03-14T10:00:30Z') });
    const reset = String(NOW.getTime() / 1000 + 120);
    expect(rateLimitOf(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }, '', NOW)).toMatchObject({ retryAfterSeconds: 120, limit: 'primary' });
    expect(rateLimitOf(403, {}, 'You have exceeded a secondary rate limit', NOW)).toMatchObject({ retryAfterSeconds: 60, limit: 'secondary' });
    expect(rateLimitOf(429, {}, '', NOW)).toMatchObject({ retryAfterSeconds: 60 });
    // A 403 that is not about rate limits is a permission problem.
    expect(rateLimitOf(403, { 'x-ratelimit-remaining': '4999' }, 'Resource not accessible by integration', NOW)).toBeNull();
    expect(rateLimitOf(404, { 'retry-after': '5' }, '', NOW)).toBeNull();
  });

  it('throws RateLimitedError on 403 with x-ratelimit-remaining 0, and on 429 with retry-after', async () => {
    github = await startFakeGithub({ token: TOKEN });
    github.addHook('repo:acme/api/11');
    const { client: gh } = client();
    github.limitAfter(0, { kind: 'retry-after', status: 429, seconds: 42 });
    const secondary = await gh.listPage(hook('repo:acme/api/11'), { perPage: 10 }).catch((e: unknown) => e);
    expect(secondary).toBeInstanceOf(RateLimitedError);
    expect(secondary).toMatchObject({ retryAfterSeconds: 42, limit: 'secondary' });
    github.limitAfter(0, { kind: 'primary', resetInSeconds: 600 });
    const primary = (await gh.listPage(hook('repo:acme/api/11'), { perPage: 10 }).catch((e: unknown) => e)) as RateLimitedError;
    expect(primary).toBeInstanceOf(RateLimitedError);
    expect(primary.limit).toBe('primary');
    expect(primary.retryAfterSeconds).toBeGreaterThan(500);
  });

  it('sends nothing more once a response left no request in the quota', async () => {
    github = await startFakeGithub({ token: TOKEN });
    github.addHook('repo:acme/api/11');
    github.setQuota(1, 900);
    const { client: gh } = client();
    await gh.listPage(hook('repo:acme/api/11'), { perPage: 10 });
    await expect(gh.listPage(hook('repo:acme/api/11'), { perPage: 10 })).rejects.toMatchObject({ name: 'RateLimitedError', limit: 'primary' });
    expect(github.requests).toHaveLength(1);
  });
});

describe('GitHub App authentication', () => {
  it("uses the App's JWT for the App's hook and an installation token for repository hooks, never logging either", async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    github = await startFakeGithub({ app: { id: '31337', publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), installationId: 77 } });
    github.addHook('app');
    github.addHook('repo:acme/api/11');
    const appDelivery = github.addDelivery('app', { statusCode: 500 });
    github.addDelivery('repo:acme/api/11');
    const { client: gh, logger } = client({ kind: 'app', appId: '31337', privateKey: pem, installationId: 77 });

    expect((await gh.listPage(hook('app'), { perPage: 10 })).deliveries.map((d) => d.id)).toEqual([appDelivery.id]);
    await gh.redeliver(hook('app'), appDelivery.id);
    expect((await gh.listPage(hook('repo:acme/api/11'), { perPage: 10 })).deliveries).toHaveLength(1);
    await gh.listPage(hook('repo:acme/api/11'), { perPage: 10 });

    expect(github.requests.map((r) => [r.method, r.path, r.auth])).toEqual([
      ['GET', '/app/hook/deliveries', 'jwt'],
      ['POST', `/app/hook/deliveries/${appDelivery.id}/attempts`, 'jwt'],
      ['POST', '/app/installations/77/access_tokens', 'jwt'],
      ['GET', '/repos/acme/api/hooks/11/deliveries', 'token'],
      // The installation token is reused until it expires.
      ['GET', '/repos/acme/api/hooks/11/deliveries', 'token'],
    ]);
    expect(github.attempts).toHaveLength(1);
    const logged = JSON.stringify(logger.lines);
    expect(logged).not.toContain(github.installationTokens[0]);
    expect(logged).not.toContain('PRIVATE KEY');
  });
});

describe('nextCursorOf', () => {
  it('takes the cursor of rel="next" only', () => {
    const link = '<https://api.github.com/repositories/1/hooks/2/deliveries?per_page=2>; rel="prev", <https://api.github.com/repositories/1/hooks/2/deliveries?per_page=2&cursor=v1_123>; rel="next"';
    expect(nextCursorOf(link)).toBe('v1_123');
    expect(nextCursorOf('<https://api.github.com/x?cursor=v1_9>; rel="prev"')).toBeNull();
    expect(nextCursorOf(undefined)).toBeNull();
  });
});
