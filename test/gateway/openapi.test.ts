import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig, type ResolvedConfig } from '../../runtime/gateway/config.js';
import type { Database } from '../../runtime/core/database.js';
import { FeedHub } from '../../runtime/feed/hub.js';
import { createGatewayApp } from '../../runtime/gateway/app.js';
import { silentLogger } from '../../runtime/core/log.js';
import { renderOpenApiFiles } from '../../scripts/openapi-render.js';
import { checkContract, ContractViolation } from '../helpers/contract.js';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SPECTRAL = fileURLToPath(new URL('../../node_modules/.bin/spectral', import.meta.url));
const FILES = ['openapi/gateway-v1.yml', 'openapi/oasis-v1.yml'];

interface SpectralResult {
  code: string;
  severity: number;
  message: string;
}

/**
 * Runs `spectral lint` with the repo's ruleset (spectral:oas). Exit 0 means nothing found, exit 1 means
 * results; anything else (a missing file, a broken ruleset, a crash) prints no JSON and must fail the
 * caller, not read as "no findings".
 */
function spectral(file: string): Promise<{ exitCode: number; results: SpectralResult[] }> {
  const args = ['lint', file, '--ruleset', join(ROOT, '.spectral.yaml'), '--format', 'json', '--fail-severity', 'hint', '--quiet'];
  return new Promise((resolve, reject) => {
    execFile(SPECTRAL, args, { cwd: ROOT }, (error, stdout, stderr) => {
      const exitCode = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      if (exitCode !== 0 && exitCode !== 1) {
        reject(new Error(`spectral exited ${exitCode}: ${stderr || stdout}`));
        return;
      }
      try {
        resolve({ exitCode, results: JSON.parse(stdout) as SpectralResult[] });
      } catch {
        reject(new Error(`spectral printed no JSON (exit ${exitCode}): ${stderr || stdout}`));
      }
    });
  });
}

describe('OpenAPI documents', () => {
  it('the committed files equal a fresh generation from the code (no drift)', () => {
    const fresh = renderOpenApiFiles();
    expect(Object.keys(fresh).sort()).toEqual([...FILES].sort());
    for (const file of FILES) expect(readFileSync(`${ROOT}/${file}`, 'utf8'), `${file} is stale: run npm run openapi`).toBe(fresh[file]);
  });

  it('the ruleset is spectral:oas', () => {
    expect(parse(readFileSync(`${ROOT}/.spectral.yaml`, 'utf8'))).toEqual({ extends: ['spectral:oas'] });
  });

  it.each(FILES)('spectral:oas reports no errors, warnings, infos or hints on %s', async (file) => {
    expect(await spectral(file)).toEqual({ exitCode: 0, results: [] });
  });

  it('spectral:oas does fail a broken document (the check above can fail)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spectral-'));
    try {
      const doc = parse(readFileSync(`${ROOT}/openapi/oasis-v1.yml`, 'utf8')) as { info: Record<string, unknown>; paths: Record<string, Record<string, Record<string, unknown>>> };
      delete doc.info.description; // a warning (info-description)
      doc.paths['/events/ingest']!.post!.responses = 'none'; // an error (oas3-schema)
      const broken = join(dir, 'broken.yml');
      writeFileSync(broken, JSON.stringify(doc));
      const { exitCode, results } = await spectral(broken);
      expect(exitCode).toBe(1);
      expect(results.map((r) => r.code)).toEqual(expect.arrayContaining(['info-description', 'oas3-schema']));
      expect(results.some((r) => r.severity === 0)).toBe(true); // error
      expect(results.some((r) => r.severity === 1)).toBe(true); // warning
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a missing file is a failure, not an empty report', async () => {
    await expect(spectral('openapi/does-not-exist.yml')).rejects.toThrow(/spectral exited 2/);
  });

  it('gateway-v1 describes every gateway route; oasis-v1 exactly the OASIS part', () => {
    const gateway = parse(readFileSync(`${ROOT}/openapi/gateway-v1.yml`, 'utf8')) as { openapi: string; paths: Record<string, unknown> };
    const oasis = parse(readFileSync(`${ROOT}/openapi/oasis-v1.yml`, 'utf8')) as { openapi: string; paths: Record<string, unknown> };
    expect(gateway.openapi).toBe('3.1.0');
    expect(oasis.openapi).toBe('3.1.0');
    expect(Object.keys(gateway.paths)).toEqual(
      expect.arrayContaining([
        '/healthz',
        '/readyz',
        '/openapi.json',
        '/events/ingest',
        '/api/v1/oasis/events',
        '/api/v1/devhub/feed',
        '/webhooks/github',
        '/webhooks/health',
        '/vtid/create',
        '/vtid/list',
        '/vtid/health',
        '/vtid/{vtid}',
        '/vtid/{vtid}/timeline',
        '/api/v1/oasis/metrics',
        '/api/v1/oasis/board',
        '/api/v1/agents',
        '/api/v1/agents/heartbeat',
        '/',
        '/console/timeline',
        '/console/board',
      ]),
    );
    expect(Object.keys(oasis.paths).sort()).toEqual(['/api/v1/agents', '/api/v1/agents/heartbeat', '/api/v1/devhub/feed', '/api/v1/oasis/board', '/api/v1/oasis/events', '/api/v1/oasis/metrics', '/events/ingest']);
  });

  it('gateway-v1 has an operation for every route the composed gateway serves', () => {
    // Composed as in production; building the router runs no handler, so the database is never used.
    const db = {} as Database;
    const config = { ...loadConfig({}), secrets: { jwt: 'x'.repeat(32), githubWebhook: 'x' } } as ResolvedConfig;
    const feedHub = new FeedHub({ db, logger: silentLogger, maxClients: 1, keepaliveMs: 15_000 });
    const app = createGatewayApp({ config, db, logger: silentLogger, migrationFiles: [], feedHub });
    const served = new Set(
      app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`),
    );
    const gateway = parse(readFileSync(`${ROOT}/openapi/gateway-v1.yml`, 'utf8')) as { paths: Record<string, Record<string, unknown>> };
    const documented = new Set(Object.entries(gateway.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`)));
    // DELETE on the ledger only answers 405 (the ledger is immutable): an HTTP answer, not an operation.
    expect([...served].filter((route) => !documented.has(route))).toEqual(['delete /vtid/{vtid}']);
    expect([...documented].filter((route) => !served.has(route))).toEqual([]);
  });

  describe('the contract check over traffic (test/helpers/contract.ts) can fail', () => {
    const URL_BASE = 'http://127.0.0.1:8080';
    const reply = (status: number, body: unknown, contentType = 'application/json') =>
      new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': contentType } });
    const check = (method: string, path: string, response: Response) => checkContract(method, URL_BASE + path, response);

    it('accepts answers that match their operation', async () => {
      await check('GET', '/healthz', reply(200, { ok: true }));
      await check('GET', '/api/v1/agents', reply(200, { ok: true, data: [{ agent: 'a', vtid: 'IDLE', status: 'idle', lastSeen: '2026-03-14T10:00:00.000Z' }] }));
      await check('POST', '/api/v1/agents/heartbeat', reply(409, { ok: false, error: { code: 'agent_tenant_conflict', message: 'x' } }));
      // 5xx answers are checked against the `default` response (the error body).
      await check('GET', '/api/v1/oasis/events', reply(503, { ok: false, error: { code: 'database_unavailable', message: 'x' } }));
    });

    it.each([
      ['a body that does not match the schema', 'GET', '/healthz', () => reply(200, { ok: 'yes' }), /body does not match the spec/],
      ['a missing required field', 'GET', '/api/v1/agents', () => reply(200, { ok: true, data: [{ agent: 'a', status: 'idle' }] }), /body does not match the spec/],
      ['an error body that is not {ok:false,error:{code,message}}', 'POST', '/api/v1/agents/heartbeat', () => reply(400, { error: 'bad' }), /body does not match the spec/],
      ['a 5xx without the error body', 'GET', '/api/v1/oasis/events', () => reply(500, { oops: true }), /body does not match the spec/],
      ['a status the operation does not list', 'GET', '/healthz', () => reply(418, { ok: false, error: { code: 'teapot', message: 'x' } }), /does not list/],
      ['an undocumented content type', 'GET', '/healthz', () => reply(200, 'ok', 'text/plain'), /content type text\/plain is not documented/],
      ['an answer from an operation the spec does not have', 'DELETE', '/api/v1/agents', () => reply(200, { ok: true }), /no such operation/],
    ])('refuses %s', async (_name, method, path, response, message) => {
      const error = await check(method, path, response()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ContractViolation);
      expect((error as Error).message).toMatch(message);
    });
  });

  describe('served by the gateway', () => {
    let gw: TestGateway;
    beforeAll(async () => {
      gw = await startTestGateway();
    });
    afterAll(() => gw.close());

    it('GET /openapi.json is the committed gateway document', async () => {
      const res = await gw.request('/openapi.json', { token: null });
      expect(res.status).toBe(200);
      expect(await json(res)).toEqual(parse(readFileSync(`${ROOT}/openapi/gateway-v1.yml`, 'utf8')));
    });
  });
});
