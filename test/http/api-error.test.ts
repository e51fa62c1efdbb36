import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { createRoute, z } from '@hono/zod-openapi';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BodyBudget } from '../../runtime/http/body-budget.js';
import { apiError } from '../../runtime/http/errors.js';
import { onError } from '../../runtime/http/on-error.js';
import { BodyReader, readJsonBody } from '../../runtime/http/read-body.js';
import { createRouter, jsonResponse } from '../../runtime/http/router.js';

/**
 * Refusals are Hono's own HTTPException carrying our body, and the error handler tells Hono's bare
 * 400 for a body that is not JSON by what the body reader found, not by the exception's text.
 * Over real HTTP on loopback.
 */

const Body = z.object({ title: z.string() });
const echo = (path: string, middleware: ReturnType<typeof readJsonBody>[]) =>
  createRoute({
    method: 'post',
    path,
    middleware,
    request: { body: { required: true, content: { 'application/json': { schema: Body } } } },
    responses: { 200: jsonResponse('Echoed.', Body) },
  });

function listen(fetch: (request: Request) => Response | Promise<Response>): Promise<{ server: ServerType; url: string }> {
  return new Promise((resolve) => {
    const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve({ server, url: `http://127.0.0.1:${info.port}` }));
  });
}

const servers: ServerType[] = [];
let plainUrl = '';
let routedUrl = '';

beforeAll(async () => {
  // Hono's default error handling, none of ours: the exception's own response is the answer.
  const plain = new Hono();
  plain.get('/refused', () => {
    throw apiError(409, 'external_id_conflict', 'that key is taken', { 'X-Why': 'taken' });
  });
  const first = await listen(plain.fetch);

  const bodies = new BodyReader(new BodyBudget(1 << 20), 5_000);
  const routed = createRouter();
  routed.use('*', async (c, next) => {
    c.set('bodies', bodies);
    c.set('jsonBodyMaxBytes', 1024);
    await next();
  });
  routed.onError(onError);
  routed.openapi(echo('/read-by-us', [readJsonBody()]), (c) => c.json(c.req.valid('json'), 200));
  routed.openapi(echo('/read-by-hono', []), (c) => c.json(c.req.valid('json'), 200));
  const second = await listen(routed.fetch);

  servers.push(first.server, second.server);
  plainUrl = first.url;
  routedUrl = second.url;
});

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

const post = (path: string, body: string) => fetch(`${routedUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('ApiError', () => {
  it('is answered with our body, status and headers even by Hono’s default handler', async () => {
    const res = await fetch(`${plainUrl}/refused`);
    expect(res.status).toBe(409);
    expect(res.headers.get('x-why')).toBe('taken');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ ok: false, error: { code: 'external_id_conflict', message: 'that key is taken' } });
  });
});

describe('a JSON body that does not parse', () => {
  it('is invalid_json where our body reader read it', async () => {
    const res = await post('/read-by-us', '{"title": ');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ ok: false, error: { code: 'invalid_json', message: 'the request body is not valid JSON' } });
  });

  it('stays Hono’s plain 400 where it did not: the answer is told by the body reader, not by the message text', async () => {
    const res = await post('/read-by-hono', '{"title": ');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ ok: false, error: { code: 'invalid_request', message: 'Malformed JSON in request body' } });
  });

  it('a body that parses reaches the handler once read by us, from the body cache', async () => {
    const res = await post('/read-by-us', '{"title":"hello"}');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ title: 'hello' });
  });
});
