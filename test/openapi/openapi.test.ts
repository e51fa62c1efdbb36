import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderOpenApiFiles } from '../../scripts/openapi-render.js';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SPECTRAL = fileURLToPath(new URL('../../node_modules/.bin/spectral', import.meta.url));
const FILES = ['openapi/gateway-v1.yml', 'openapi/oasis-v1.yml'];

describe('OpenAPI documents', () => {
  it('the committed files equal a fresh generation from the code (no drift)', () => {
    const fresh = renderOpenApiFiles();
    expect(Object.keys(fresh).sort()).toEqual([...FILES].sort());
    for (const file of FILES) expect(readFileSync(`${ROOT}/${file}`, 'utf8'), `${file} is stale: run npm run openapi`).toBe(fresh[file]);
  });

  it.each(FILES)('spectral:oas reports no errors, warnings, infos or hints on %s', async (file) => {
    const { stdout } = await promisify(execFile)(SPECTRAL, ['lint', file, '--ruleset', '.spectral.yaml', '--format', 'json', '--fail-severity', 'hint', '--quiet'], { cwd: ROOT }).catch(
      (error: { stdout: string }) => ({ stdout: error.stdout }),
    );
    expect(JSON.parse(stdout || '[]')).toEqual([]);
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
        '/api/v1/agents',
        '/api/v1/agents/heartbeat',
        '/',
      ]),
    );
    expect(Object.keys(oasis.paths).sort()).toEqual(['/api/v1/agents', '/api/v1/agents/heartbeat', '/api/v1/devhub/feed', '/api/v1/oasis/events', '/events/ingest']);
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
