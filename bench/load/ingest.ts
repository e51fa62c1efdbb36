import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { childInput, reportResult } from '../lib/processes.js';
import { deliveryHeaders, type SignedBody } from '../lib/payloads.js';

/**
 * The ingest load generator, in its own process: autocannon at fixed concurrency sends `amount` signed
 * workflow_run deliveries to the receiver(s) (connections split evenly over `urls`), each with a fresh
 * X-GitHub-Delivery GUID and a signature over the exact bytes sent (a pool of pre-signed bodies).
 * A fixed amount rather than a fixed duration: autocannon then waits for every response, so the rows
 * stored afterwards can be compared with the deliveries acknowledged. Every response is checked.
 */

export interface IngestLoadInput {
  urls: string[];
  connections: number;
  amount: number;
  /** A JSON file with the SignedBody pool. */
  poolFile: string;
  /** What a good answer looks like: the gateway's and the bare peer's JSON ack, or octokit's "ok". */
  expect: 'json-ack' | 'octokit-ok';
}

export interface IngestLoadResult {
  /** 200 with the expected body: stored and acknowledged, not a duplicate. */
  acknowledged: number;
  rejected: number;
  errors: number;
  timeouts: number;
  statusCounts: Record<string, number>;
  rejectedSamples: string[];
  elapsedSeconds: number;
  perSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** CPU seconds of this load generator during the round (2 cores are shared with the receiver and PostgreSQL). */
  loaderCpuSeconds: number;
}

const input = childInput<IngestLoadInput>();
const pool = JSON.parse(readFileSync(input.poolFile, 'utf8')) as SignedBody[];
const bodies = pool.map((p) => ({ body: Buffer.from(p.body), signature: p.signature }));

let next = 0;
let acknowledged = 0;
let rejected = 0;
const statusCounts: Record<string, number> = {};
const rejectedSamples: string[] = [];

const good = (status: number, body: string): boolean => {
  if (status !== 200) return false;
  if (input.expect === 'octokit-ok') return body === 'ok\n';
  return body.includes('"ok":true') && body.includes('"duplicate":false');
};

const cpuBefore = process.cpuUsage();
// The round's time runs from the first request written to the last answer read. autocannon resolves
// with `amount` only at its next one-second tick, so timing its promise would round every round up to
// whole seconds (a 2.05 s round would count as 3.03 s).
let firstSent = 0;
let lastAnswered = 0;
const result = await autocannon({
  url: input.urls as unknown as string, // autocannon splits the connections over several URLs
  connections: input.connections,
  amount: input.amount,
  timeout: 30,
  requests: [
    {
      method: 'POST',
      setupRequest: (request) => {
        if (firstSent === 0) firstSent = performance.now();
        const signed = bodies[next++ % bodies.length]!;
        return { ...request, method: 'POST', headers: deliveryHeaders(signed.signature, randomUUID()), body: signed.body as unknown as string };
      },
      onResponse: (status, body) => {
        lastAnswered = performance.now();
        statusCounts[status] = (statusCounts[status] ?? 0) + 1;
        if (good(status, body)) acknowledged += 1;
        else {
          rejected += 1;
          if (rejectedSamples.length < 5) rejectedSamples.push(`${status} ${body.slice(0, 300)}`);
        }
      },
    },
  ],
});
const elapsedSeconds = (lastAnswered - firstSent) / 1000;
const cpu = process.cpuUsage(cpuBefore);

reportResult({
  acknowledged,
  rejected,
  errors: result.errors,
  timeouts: result.timeouts,
  statusCounts,
  rejectedSamples,
  elapsedSeconds,
  perSecond: acknowledged / elapsedSeconds,
  loaderCpuSeconds: Math.round(((cpu.user + cpu.system) / 1e6) * 100) / 100,
  latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: result.latency.average },
} satisfies IngestLoadResult);
