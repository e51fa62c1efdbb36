import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenUntilStopped, peerPool, storeDelivery } from './store.js';

/**
 * Peer (a) of the ingest bench: the cheapest honest receiver. node:http, HMAC-SHA256 over the raw
 * body, JSON.parse, one INSERT, answer. PORT, DATABASE_URL, GITHUB_WEBHOOK_SECRET from the environment.
 */

const secret = process.env.GITHUB_WEBHOOK_SECRET ?? '';
const pool = peerPool();

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function validSignature(body: Buffer, header: string | undefined): boolean {
  const match = header === undefined ? null : /^sha256=([0-9a-f]{64})$/i.exec(header);
  if (!match) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(match[1]!, 'hex'));
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method === 'GET' && req.url === '/readyz') {
    await pool.query('select 1');
    return send(res, 200, { ok: true });
  }
  if (req.method !== 'POST' || req.url !== '/webhooks/github') return send(res, 404, { ok: false });
  const body = await readBody(req);
  if (!validSignature(body, req.headers['x-hub-signature-256'] as string | undefined)) return send(res, 401, { ok: false, error: 'signature' });
  const event = req.headers['x-github-event'];
  const deliveryId = req.headers['x-github-delivery'];
  if (typeof event !== 'string' || typeof deliveryId !== 'string') return send(res, 400, { ok: false, error: 'headers' });
  const text = body.toString('utf8');
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return send(res, 400, { ok: false, error: 'json' });
  }
  const id = await storeDelivery(pool, event, deliveryId, payload, text);
  send(res, 200, { ok: true, id, duplicate: id === null });
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    if (!res.headersSent) send(res, 503, { ok: false, error: error instanceof Error ? error.message : String(error) });
  });
});
listenUntilStopped(server, pool);
