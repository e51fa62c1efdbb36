import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { childInput, reportResult, sleep } from '../lib/processes.js';
import { deliveryHeaders, signatureFor, workflowRunPayload } from '../lib/payloads.js';
import { summarize, type Summary } from '../lib/stats.js';
import { openSse } from './sse.js';

/**
 * Scenario 3's client, in its own process: an SSE client on instance B, and a timed loop posting
 * signed deliveries at a steady rate to instance A. Each delivery carries its sequence number in
 * display_title (the event's title), so the one process that sends and receives (one clock) can
 * measure from the POST being sent to the event arriving on B.
 */

export interface LiveInput {
  postUrl: string;
  feedUrl: string;
  token: string;
  secret: string;
  rate: number;
  seconds: number;
  /** Sent first at the same rate and checked like the rest, but not timed (fresh processes warm up). */
  warmupSeconds: number;
  bytes: number;
  tag: string;
}

export interface LiveResult {
  sent: number;
  acknowledged: number;
  rejected: number;
  received: number;
  duplicates: number;
  missing: number;
  achievedRate: number;
  /** Over the deliveries after the warmup: POST sent to the event on B. */
  latencyMs: Summary;
  /** The same deliveries, POST sent to A's answer (the write path alone). */
  ackMs: Summary;
  measured: number;
}

const input = childInput<LiveInput>();
const warmupCount = Math.round(input.rate * input.warmupSeconds);
const total = warmupCount + Math.max(1, Math.round(input.rate * input.seconds));
const marker = new RegExp(`"title":"[^"]*live ${input.tag}-(\\d+)"`);

// Bodies are made (and signed) before the clock starts; each carries its own marker.
const bodies = Array.from({ length: total }, (_, i) => {
  const body = JSON.stringify(workflowRunPayload(input.bytes, `live ${input.tag}-${i}`, 30_000_000_000 + i));
  return { body, signature: signatureFor(input.secret, body) };
});

const sentAt = new Float64Array(total).fill(Number.NaN);
const receivedAt = new Float64Array(total).fill(Number.NaN);
const ackedAt = new Float64Array(total).fill(Number.NaN);
let received = 0;
let duplicates = 0;
let acknowledged = 0;
let rejected = 0;

const sse = await openSse(`${input.feedUrl}/api/v1/devhub/feed?source=github.actions`, input.token, {
  onData: (data) => {
    const now = performance.now();
    const match = marker.exec(data);
    if (!match) return;
    const i = Number(match[1]);
    if (!Number.isNaN(receivedAt[i]!)) {
      duplicates += 1;
      return;
    }
    receivedAt[i] = now;
    received += 1;
  },
});
if (sse.status !== 200) throw new Error(`the feed on instance B answered ${sse.status}`);

// Open loop: a delivery is due at its time whatever the server does (GitHub does not wait either), so
// enough sockets that the client never queues one behind a slow answer.
const agent = new Agent({ keepAlive: true, maxSockets: 512 });
const target = new URL(`${input.postUrl}/webhooks/github`);
let settled = 0;
const allSettled = new Promise<void>((resolve) => {
  const check = () => {
    if (++settled === total) resolve();
  };
  const send = (i: number) => {
    const { body, signature } = bodies[i]!;
    const req = request(target, { method: 'POST', agent, headers: { ...deliveryHeaders(signature, randomUUID()), 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        if (res.statusCode === 200 && text.includes('"ok":true')) {
          acknowledged += 1;
          ackedAt[i] = performance.now();
        } else rejected += 1;
        check();
      });
    });
    req.on('error', () => {
      rejected += 1;
      check();
    });
    req.end(body);
    sentAt[i] = performance.now();
  };
  // A timed loop: delivery i is due at start + i / rate; late ticks catch up, never burst ahead.
  const start = performance.now();
  let nextIndex = 0;
  const tick = () => {
    const due = Math.min(total, Math.floor(((performance.now() - start) * input.rate) / 1000) + 1);
    while (nextIndex < due) send(nextIndex++);
    if (nextIndex < total) setTimeout(tick, 1);
  };
  tick();
});
await allSettled;
// The pace actually kept: deliveries sent per second between the first and the last send.
const sendSeconds = total > 1 ? (sentAt[total - 1]! - sentAt[0]!) / 1000 : Number.NaN;

// Wait for the stragglers on B (bounded).
const deadline = performance.now() + 10_000;
while (received < acknowledged && performance.now() < deadline) await sleep(10);
sse.close();
agent.destroy();

const latencies: number[] = [];
const acks: number[] = [];
for (let i = warmupCount; i < total; i++) {
  if (!Number.isNaN(receivedAt[i]!)) latencies.push(receivedAt[i]! - sentAt[i]!);
  if (!Number.isNaN(ackedAt[i]!)) acks.push(ackedAt[i]! - sentAt[i]!);
}
reportResult({
  sent: total,
  acknowledged,
  rejected,
  received,
  duplicates,
  missing: acknowledged - received,
  achievedRate: Math.round(((total - 1) / sendSeconds) * 10) / 10,
  latencyMs: summarize(latencies),
  ackMs: summarize(acks),
  measured: latencies.length,
} satisfies LiveResult);
process.exit(0);
