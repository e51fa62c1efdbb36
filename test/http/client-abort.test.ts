import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * A client that gives up in the middle of its upload (issue 12, item 5) is the client's doing: it must
 * not be logged as an ERROR "database_unavailable" nor counted as one in /webhooks/health, and nothing
 * is stored.
 */

function abortUpload(url: string, path: string, headers: Record<string, string>): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise<void>((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      const head = [`POST ${path} HTTP/1.1`, `Host: ${hostname}:${port}`, 'Content-Length: 200000', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
      socket.write(`${head.join('\r\n')}\r\n\r\n{"zen":"${'x'.repeat(5_000)}`);
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, 100);
    });
    socket.on('error', reject);
  });
}

describe('a client aborting its upload', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.close());

  const lineFor = (path: string) => gw.logs.filter((line) => line.path === path && typeof line.status === 'number');

  it.each([
    ['/webhooks/github', { 'Content-Type': 'application/json', 'X-GitHub-Event': 'ping', 'X-GitHub-Delivery': 'abort-1', 'X-Hub-Signature-256': `sha256=${'0'.repeat(64)}` }],
    ['/events/ingest', { 'Content-Type': 'application/json', Authorization: `Bearer TOKEN` }],
  ])('%s: logged once as the client going away (WARNING), never as a database outage', async (path, headers) => {
    const withToken = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.replace('TOKEN', gw.serviceToken)]));
    const before = lineFor(path).length;
    await abortUpload(gw.url, path, withToken);
    for (let waited = 0; lineFor(path).length === before && waited < 3_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    const lines = lineFor(path).slice(before);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ severity: 'WARNING', errorCode: 'body_incomplete' });
    const health = await json(await gw.request('/webhooks/health'));
    expect(health.rejectedByCode?.database_unavailable).toBeUndefined();
    const { rows } = await gw.db.query<{ n: number }>('select count(*)::int as n from oasis_events');
    expect(rows[0]!.n).toBe(0);
  });
});
