import { Agent, request } from 'node:http';
import { childInput, reportResult } from '../lib/processes.js';
import { summarize, type Summary } from '../lib/stats.js';

/**
 * Scenario 5's client, in its own process: for each query shape, sequential GETs of the query API
 * (one keep-alive connection, a few warmup requests first) until `requests` were made or the shape's
 * time is up; latency from the request to the last byte of the answer. Every answer is checked.
 */

export interface QueryShape {
  name: string;
  /** Paths (with query strings) used in turn. */
  paths: string[];
  /** `page` (default): a list answer with rows in `data`; `object`: any `ok: true` answer (the metrics). */
  answer?: 'page' | 'object';
}

export interface QueryInput {
  url: string;
  token: string;
  shapes: QueryShape[];
  requests: number;
  maxSecondsPerShape: number;
  warmup: number;
}

export interface ShapeResult {
  name: string;
  example: string;
  requests: number;
  failed: number;
  failures: string[];
  /** Rows in the first answer (a page of at most 50). */
  rowsInPage: number;
  latencyMs: Summary;
}

const input = childInput<QueryInput>();
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function get(path: string): Promise<{ status: number; body: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(`${input.url}${path}`, { agent, headers: { authorization: `Bearer ${input.token}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - started }));
    });
    req.on('error', reject);
    req.end();
  });
}

const results: ShapeResult[] = [];
for (const shape of input.shapes) {
  for (let i = 0; i < input.warmup; i++) await get(shape.paths[i % shape.paths.length]!);
  const latencies: number[] = [];
  const failures: string[] = [];
  let rowsInPage = -1;
  const deadline = performance.now() + input.maxSecondsPerShape * 1000;
  for (let i = 0; i < input.requests && (i < 5 || performance.now() < deadline); i++) {
    const path = shape.paths[i % shape.paths.length]!;
    const { status, body, ms } = await get(path);
    latencies.push(ms);
    let rows = -1;
    try {
      const parsed = JSON.parse(body) as { ok?: boolean; data?: unknown[] };
      if (parsed.ok === true && shape.answer === 'object') rows = 1;
      else if (parsed.ok === true && Array.isArray(parsed.data)) rows = parsed.data.length;
    } catch {
      // counted below
    }
    if (status !== 200 || rows <= 0) failures.push(`${path}: ${status} ${rows < 0 ? body.slice(0, 200) : 'no rows'}`);
    if (rowsInPage < 0) rowsInPage = rows;
  }
  results.push({
    name: shape.name,
    example: shape.paths[0]!,
    requests: latencies.length,
    failed: failures.length,
    failures: failures.slice(0, 3),
    rowsInPage,
    latencyMs: summarize(latencies),
  });
}
agent.destroy();
reportResult({ shapes: results });
