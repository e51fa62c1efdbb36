import { once } from 'node:events';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/db.js';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { openSse, type SseClient } from '../helpers/sse.js';

const FEED = '/api/v1/devhub/feed';
// Big events fill the kernel's socket buffers (a few MB on loopback) after a few dozen frames, so the
// stalled client's backlog reaches the gateway's per-client queue quickly.
const BLOB = 'x'.repeat(200 * 1024);
const MAX_EVENTS = 200;

/** A client that sends its request and then never reads a byte: reading is paused at the socket. */
async function stalledClient(gw: TestGateway): Promise<net.Socket> {
  const { hostname, port } = new URL(gw.url);
  const socket = net.connect(Number(port), hostname);
  await once(socket, 'connect');
  socket.pause();
  socket.on('error', () => {});
  socket.write(`GET ${FEED} HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${gw.serviceToken}\r\nAccept: text/event-stream\r\n\r\n`);
  return socket;
}

describe.each(BACKENDS)('a stalled feed client on %s', (backend) => {
  let gw: TestGateway;
  const clients: SseClient[] = [];
  beforeAll(async () => {
    gw = await startTestGateway({ backend, env: { FEED_CLIENT_BUFFER: '8' } });
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await gw.close();
  });

  it('does not delay a healthy client, is dropped past its buffer, and the feed resumes from Last-Event-ID', async () => {
    const { rows } = await gw.db.query<{ id: number | null }>('select max(id) as id from oasis_events');
    const start = Number(rows[0]?.id ?? 0);
    const healthy = await openSse(`${gw.url}${FEED}`, { token: gw.serviceToken });
    clients.push(healthy);
    const stalled = await stalledClient(gw);
    // The request log writes its line when the stream starts: from then on the stalled client is subscribed.
    await expect.poll(() => gw.logs.filter((l) => l.path === FEED).length, { timeout: 10_000 }).toBe(2);

    const dropped = () => gw.logs.find((l) => l.message === 'feed client dropped: too far behind; it resumes with Last-Event-ID');
    const posted: number[] = [];
    // Lockstep: each event must reach the healthy client before the next is written, while the stalled
    // client's backlog grows until the gateway drops it. Then a few more, after the drop.
    let afterDrop = 0;
    while (posted.length < MAX_EVENTS && afterDrop < 5) {
      const res = await gw.request('/events/ingest', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ source: 'slow-client', kind: 'big', title: `big ${posted.length}`, metadata: { blob: BLOB } }),
      });
      expect(res.status).toBe(201);
      posted.push((await json(res)).id as number);
      await healthy.waitForEvents(posted.length, 10_000);
      if (dropped()) afterDrop += 1;
    }

    expect(dropped()).toMatchObject({ severity: 'WARNING', reason: 'buffer_full' });
    expect(healthy.events().map((e) => e.id)).toEqual(posted);
    expect(healthy.isEnded()).toBe(false);
    // The gateway reset the stalled connection (its unread frames are gone, not kept in memory).
    stalled.resume();
    await once(stalled, 'close');

    // A client resuming from the start receives every event, paced by its own reading.
    const resumed = await openSse(`${gw.url}${FEED}?source=slow-client`, { token: gw.serviceToken, lastEventId: start });
    clients.push(resumed);
    const replayed = await resumed.waitForEvents(posted.length, 30_000);
    expect(replayed.map((e) => e.id)).toEqual(posted);
  });
});
