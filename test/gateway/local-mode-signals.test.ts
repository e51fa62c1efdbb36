import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { spawnGateway, type GatewayProcess } from '../helpers/process.js';
import { openSse } from '../helpers/sse.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';
import { serviceToken } from '../helpers/tokens.js';

/**
 * Issue 12 #13: Ctrl-C in the terminal signals the whole process group, and npm and tsx relay it
 * too, so the server gets SIGINT more than once. A second one used to kill it before the embedded
 * database had closed: the next start ran crash recovery, and the event ids jumped (17 -> 34, the
 * sequence's pre-logged values). Repeated signals must leave the clean close alone.
 */

let running: GatewayProcess[] = [];
afterEach(async () => {
  await Promise.all(running.map((p) => p.stop('SIGKILL')));
  running = [];
});
afterAll(removeTempDirs);

async function ingestId(url: string, token: string, title: string): Promise<number> {
  const res = await fetch(`${url}/events/ingest`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ source: 'local-mode', kind: 'k', title }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: number }).id;
}

describe('local mode (embedded PostgreSQL): Ctrl-C more than once', () => {
  it('with the live feed open, SIGINT three times to the process group: a clean close, and the ids go on without a jump', async () => {
    const env = { OASIS_DATA_DIR: join(tempDir('oasis-sigint-'), 'pglite'), SHUTDOWN_GRACE_MS: '1500' };
    const token = await serviceToken();
    const first = await spawnGateway({ env });
    running.push(first);
    const ids = [await ingestId(first.url, token, 'one'), await ingestId(first.url, token, 'two'), await ingestId(first.url, token, 'three')];
    expect(ids).toEqual([1, 2, 3]);
    // As the Live Console has it: the feed open, caught up with the last event.
    const feed = await openSse(`${first.url}/api/v1/devhub/feed?lastEventId=0`, { token });
    expect(feed.status).toBe(200);
    await feed.waitForEvents(3);

    // An upload still in flight keeps the shutdown going for its grace, so the later signals surely
    // arrive while it runs (the request is cut at the end; it writes nothing).
    const upload = request(`${first.url}/events/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': '100' },
    });
    upload.on('error', () => {});
    upload.write('{"source":');
    await new Promise((resolve) => setTimeout(resolve, 100));

    // What a terminal does on Ctrl-C, pressed three times (apart, so the kernel does not merge them).
    for (let press = 0; press < 3; press += 1) {
      process.kill(-first.child.pid!, 'SIGINT');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await first.exited).toBe(0);
    feed.close();
    upload.destroy();
    const messages = first.logs.map((line) => line.message);
    expect(messages).toEqual(expect.arrayContaining(['signal received', 'shutdown complete']));
    expect(messages.filter((message) => String(message).startsWith('already stopping'))).toHaveLength(2);

    const second = await spawnGateway({ env });
    running.push(second);
    expect(await ingestId(second.url, token, 'four')).toBe(4);
  });
});
