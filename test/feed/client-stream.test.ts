import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, readMigrationFiles } from '../../runtime/db/migrate.js';
import type { FeedPosition } from '../../runtime/events/position.js';
import { feedPositionOf } from '../../runtime/events/repository.js';
import { openFeedStream } from '../../runtime/feed/client-stream.js';
import type { FeedSubscriber } from '../../runtime/feed/hub.js';
import { silentLogger } from '../../runtime/core/log.js';
import { projectRoot } from '../../runtime/core/project-root.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/db.js';

/**
 * One client's stream against a hub held still: the hub (each instance's reader of new rows) may trail
 * the table for a moment, e.g. when a client resumes from an id another instance already served.
 */

async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, done: (text: string) => boolean): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  while (!done(text)) {
    const { value, done: ended } = await reader.read();
    if (ended) break;
    text += decoder.decode(value, { stream: true });
  }
  return text;
}

describe.each(BACKENDS)('a feed stream whose hub trails the table on %s', (backend) => {
  let test: TestDatabase;
  let ids: number[];
  let txid: number;
  const at = (id: number): FeedPosition => ({ txid, id });
  beforeAll(async () => {
    test = await createTestDatabase(backend);
    await migrate(test.db, readMigrationFiles(projectRoot()), silentLogger);
    const { rows } = await test.db.query<{ id: number; txid: string }>(
      `insert into oasis_events (source, kind) select 'trail', 'k' from generate_series(1, 10) returning id, txid::text`,
    );
    ids = rows.map((r) => Number(r.id));
    txid = Number(rows[0]!.txid);
  });
  afterAll(() => test.drop());

  it('never sends a keepalive id below what the client already has (its resume would replay duplicates)', async () => {
    let subscriber: FeedSubscriber | undefined;
    const hubCursor = at(ids[4]!); // the hub has read only half of the rows so far
    const hub = {
      keepaliveMs: 15_000,
      subscribe: (s: FeedSubscriber) => {
        subscriber = s;
        return { cursor: hubCursor, unsubscribe: () => {} };
      },
      positionOf: (id: number) => feedPositionOf(test.db, id),
    };
    const body = openFeedStream({ hub, db: test.db, logger: silentLogger, clientBuffer: 100 }, { caller: { kind: 'service', role: 'service_role', subject: 't', claims: { role: 'service_role' } }, filter: {}, after: ids[7]! });
    const reader = body.getReader();
    try {
      // The replay from the table: the two rows after the resume point.
      const replayed = await readUntil(reader, (text) => text.includes(`id: ${ids[9]}\n`));
      expect([...replayed.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))).toEqual([ids[8], ids[9]]);
      // Live now; the hub, still behind, ticks its keepalive.
      await new Promise((resolve) => setTimeout(resolve, 50));
      subscriber!.keepalive(hubCursor);
      const keepalive = await readUntil(reader, (text) => text.includes('keepalive'));
      expect(keepalive).toContain(': keepalive\n');
      expect([...keepalive.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))).toEqual([ids[9]]);
      // Once the hub has passed the client, the keepalive carries its cursor again.
      subscriber!.keepalive(at(ids[9]! + 5));
      expect(await readUntil(reader, (text) => text.includes('keepalive'))).toContain(`id: ${ids[9]! + 5}\n`);
    } finally {
      await reader.cancel();
    }
  });
});
