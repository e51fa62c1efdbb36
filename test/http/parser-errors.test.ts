import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

/** What Node's HTTP parser refuses gets our JSON error body (issue 12, items 4 and 7). */

/** Writes raw bytes, returns everything the server sent until it closed the connection. */
function raw(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise<string>((resolve, reject) => {
    let received = '';
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no close; got ${received.slice(0, 200)}`)));
  });
}

const statusOf = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
const bodyOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { ok: boolean; error: { code: string } };

describe('requests the HTTP parser refuses', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.close());

  it.each([
    ['a header value with a bare CR', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad: a\rb\r\n\r\n', 400, 'bad_request'],
    ['Content-Length together with Transfer-Encoding', 'POST /events/ingest HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400, 'bad_request'],
    ['two different Content-Lengths', 'POST /events/ingest HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello', 400, 'bad_request'],
    ['headers over 16 KB', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'headers_too_large'],
  ])('%s: %i with our JSON error body', async (_label, bytes, status, code) => {
    const answer = await raw(gw.url, bytes);
    expect(statusOf(answer)).toBe(status);
    expect(answer).toMatch(/content-type: application\/json/i);
    expect(bodyOf(answer)).toEqual({ ok: false, error: { code, message: expect.any(String) } });
    expect(gw.logs.some((line) => line.message === 'HTTP request refused by the parser' && line.errorCode === code)).toBe(true);
  });

  it('bytes after a complete request with Connection: close never turn its answer into a refusal: one answer, 201, and the row', async () => {
    const body = JSON.stringify({ source: 'parser-test', kind: 'k', externalId: 'after-close-1' });
    const request =
      `POST /events/ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${gw.serviceToken}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
    const answer = await raw(gw.url, `${request}GARBAGE \u0000 NOT HTTP\r\n\r\n`);
    expect(statusOf(answer)).toBe(201);
    expect(answer.match(/HTTP\/1\.1 \d{3}/g)).toHaveLength(1);
    const { rows } = await gw.db.query(`select 1 from oasis_events where external_id = 'after-close-1'`);
    expect(rows).toHaveLength(1);
  });
});

describe('clients that never finish their request', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ env: { HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '2000' } });
  });
  afterAll(() => gw.close());

  it('headers that never end: 408 with our JSON body once HTTP_HEADERS_TIMEOUT_MS is over, and the connection closed', async () => {
    const answer = await raw(gw.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: still');
    expect(statusOf(answer)).toBe(408);
    expect(bodyOf(answer).error.code).toBe('request_timeout');
  });

  it('a body that never ends: 408 once HTTP_REQUEST_TIMEOUT_MS is over, the connection closed, nothing stored', async () => {
    const answer = await raw(
      gw.url,
      `POST /events/ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${gw.serviceToken}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"source":"slow"`,
    );
    expect(statusOf(answer)).toBe(408);
    expect(bodyOf(answer).error.code).toBe('request_timeout');
    const { rows } = await gw.db.query(`select 1 from oasis_events where source = 'slow'`);
    expect(rows).toEqual([]);
  });
});
