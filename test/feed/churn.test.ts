import { request } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_PG } from '../helpers/db.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * Issue 12 (suite): feed clients that connect and drop, 2,000 times, leave nothing behind: the hub's
 * client count goes back to 0 and the heap after a full collection is where it was. The gateway runs
 * in this process, so its heap can be measured directly: V8's gc() is made callable at run time
 * (vitest's workers cannot be started with --expose-gc), the way Jest's leak detector does it.
 */

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const CYCLES = 2_000;
const WARM_UP = 200;
const PARALLEL = 20;
// A leak of 2 KB per client (a subscriber, its buffer, its response) would be 4 MB here.
const HEAP_GROWTH_BOUND = 4 * 1024 * 1024;

let gw: TestGateway;
beforeAll(async () => {
  // Either backend: the streams are what is measured; a real server starts faster than the embedded one.
  gw = await startTestGateway({ backend: HAS_PG ? 'pg' : 'pglite' });
});
afterAll(() => gw.close());

/**
 * One client: opens the feed and drops the connection, alternately as soon as the stream has begun
 * and before any answer came (an impatient browser tab, a network gone).
 */
function connectAndDrop(early: boolean): Promise<void> {
  return new Promise((resolve) => {
    const req = request(`${gw.url}/api/v1/devhub/feed`, { headers: { authorization: `Bearer ${gw.serviceToken}`, accept: 'text/event-stream' } });
    req.on('error', () => {});
    req.on('close', () => resolve());
    req.on('response', (res) => {
      res.on('error', () => {});
      res.once('data', () => req.destroy());
    });
    req.end();
    if (early) setImmediate(() => req.destroy());
  });
}

async function churn(cycles: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < cycles) await connectAndDrop(next++ % 2 === 0);
    }),
  );
}

async function settledHeap(): Promise<number> {
  // The request log lines this harness keeps in memory are not the gateway's to free.
  gw.logs.length = 0;
  for (let round = 0; round < 3; round += 1) {
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
  }
  return process.memoryUsage().heapUsed;
}

describe('feed clients connecting and dropping in a loop', () => {
  it(`${CYCLES} connect/drop cycles: the hub has no client left and the heap is flat`, async () => {
    await churn(WARM_UP);
    await expect.poll(() => gw.handle.feedHub.clientCount, { timeout: 5_000 }).toBe(0);
    const before = await settledHeap();

    await churn(CYCLES);
    await expect.poll(() => gw.handle.feedHub.clientCount, { timeout: 5_000 }).toBe(0);
    const after = await settledHeap();

    expect(after - before, `heap ${Math.round(before / 1024)} KiB -> ${Math.round(after / 1024)} KiB`).toBeLessThan(HEAP_GROWTH_BOUND);
  });
});
