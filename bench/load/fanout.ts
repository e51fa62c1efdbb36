import { Agent, request } from 'node:http';
import { childInput, reportResult, sleep } from '../lib/processes.js';
import { summarize, type Summary } from '../lib/stats.js';
import { openSse, type SseConnection } from './sse.js';

/**
 * Scenario 4's client, in its own process: `clients` SSE connections to one instance, then `events`
 * events posted through /events/ingest at a steady pace. Each event's title carries its sequence
 * number; the time from its POST being sent to its arrival is recorded at every client (one process,
 * one clock), over all clients x events deliveries.
 */

export interface FanoutInput {
  url: string;
  token: string;
  clients: number;
  events: number;
  intervalMs: number;
  tag: string;
}

export interface FanoutResult {
  clients: number;
  connected: number;
  refused: Record<string, number>;
  events: number;
  acknowledged: number;
  expectedDeliveries: number;
  delivered: number;
  duplicates: number;
  latencyMs: Summary;
  /** Per event, the time until its last client had it. */
  lastClientMs: Summary;
  /** Per event in posting order, the time until its last client had it (does the backlog grow?). */
  lastClientByEventMs: number[];
  /** CPU seconds this client process used from the first post to the end (is the client the bottleneck?). */
  clientCpuSeconds: number;
  postSeconds: number;
  connectSeconds: number;
}

const input = childInput<FanoutInput>();
const marker = new RegExp(`"title":"fanout ${input.tag}-(\\d+)"`);
const sentAt = new Float64Array(input.events).fill(Number.NaN);
const lastAt = new Float64Array(input.events).fill(0);
const latencies = new Float64Array(input.clients * input.events);
let delivered = 0;
let duplicates = 0;
const refused: Record<string, number> = {};

// Connect in batches, so the listen backlog sees no thundering herd of 1,000 SYNs at once.
const connectStart = performance.now();
const connections: SseConnection[] = [];
const BATCH = 50;
for (let first = 0; first < input.clients; first += BATCH) {
  const batch = Array.from({ length: Math.min(BATCH, input.clients - first) }, () => {
    const seen = new Uint8Array(input.events);
    return openSse(`${input.url}/api/v1/devhub/feed?source=bench.fanout`, input.token, {
      onData: (data) => {
        const now = performance.now();
        const match = marker.exec(data);
        if (!match) return;
        const k = Number(match[1]);
        if (seen[k]) {
          duplicates += 1;
          return;
        }
        seen[k] = 1;
        latencies[delivered++] = now - sentAt[k]!;
        if (now > lastAt[k]!) lastAt[k] = now;
      },
    }).then(
      (c) => {
        if (c.status === 200) connections.push(c);
        else refused[c.status] = (refused[c.status] ?? 0) + 1;
      },
      (error: Error) => {
        refused[error.message] = (refused[error.message] ?? 0) + 1;
      },
    );
  });
  await Promise.all(batch);
}
const connectSeconds = (performance.now() - connectStart) / 1000;

const agent = new Agent({ keepAlive: true, maxSockets: 8 });
let acknowledged = 0;
const posts: Promise<void>[] = [];
const post = (k: number) =>
  new Promise<void>((resolve) => {
    const body = JSON.stringify({ source: 'bench.fanout', kind: 'tick', status: 'info', vtid: 'VTID-2026-0001', title: `fanout ${input.tag}-${k}`, externalId: `fanout-${input.tag}-${k}` });
    const req = request(`${input.url}/events/ingest`, {
      method: 'POST',
      agent,
      headers: { authorization: `Bearer ${input.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode === 201) acknowledged += 1;
        resolve();
      });
    });
    req.on('error', () => resolve());
    req.end(body);
    sentAt[k] = performance.now();
  });
const cpuBefore = process.cpuUsage();
const start = performance.now();
for (let k = 0; k < input.events; k++) {
  const wait = start + k * input.intervalMs - performance.now();
  if (wait > 0) await sleep(wait);
  posts.push(post(k));
}
await Promise.all(posts);
const expected = connections.length * acknowledged;
const deadline = performance.now() + 15_000;
while (delivered < expected && performance.now() < deadline) await sleep(10);
const cpu = process.cpuUsage(cpuBefore);
const postSeconds = (performance.now() - start) / 1000;
for (const c of connections) c.close();
agent.destroy();

const last: number[] = [];
for (let k = 0; k < input.events; k++) if (lastAt[k]! > 0) last.push(lastAt[k]! - sentAt[k]!);
reportResult({
  clients: input.clients,
  connected: connections.length,
  refused,
  events: input.events,
  acknowledged,
  expectedDeliveries: expected,
  delivered,
  duplicates,
  latencyMs: summarize(latencies.subarray(0, delivered)),
  lastClientMs: summarize(last),
  lastClientByEventMs: Array.from(lastAt, (t, k) => (t > 0 ? Math.round(t - sentAt[k]!) : -1)),
  clientCpuSeconds: Math.round(((cpu.user + cpu.system) / 1e6) * 100) / 100,
  postSeconds: Math.round(postSeconds * 100) / 100,
  connectSeconds: Math.round(connectSeconds * 100) / 100,
} satisfies FanoutResult);
process.exit(0);
