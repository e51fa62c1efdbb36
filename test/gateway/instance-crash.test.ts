import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, HAS_PG, type TestDatabase } from '../helpers/db.js';
import { acknowledgedKeys, ingest, isAcknowledged, missingFrom, storedKeys, untilDatabaseQuiet, type WriteAnswer } from '../helpers/load.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process.js';
import { openSse, type SseClient } from '../helpers/sse.js';
import { serviceToken } from '../helpers/tokens.js';

/**
 * Issue 12 (suite): two instances on one database under load, one of them killed outright (SIGKILL,
 * as an instance lost with its machine). Every write either instance acknowledged is stored, the
 * survivor keeps serving every write, and its live feed goes on, delivering every acknowledged event.
 */

const SOURCE = 'crash-load';
const PER_INSTANCE = 60;
const CONCURRENCY = 3;
// The victim dies after this many of its writes were answered.
const KILL_AFTER = 20;

let processes: GatewayProcess[] = [];
let database: TestDatabase | undefined;
let feed: SseClient | undefined;
afterEach(async () => {
  feed?.close();
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  await database?.drop();
  processes = [];
  database = undefined;
  feed = undefined;
});

/** `count` writes to `url` from `CONCURRENCY` loops; `onAnswer` sees each answer as it comes. */
async function drive(url: string, token: string, prefix: string, count: number, onAnswer: (answer: WriteAnswer) => void): Promise<WriteAnswer[]> {
  const answers: WriteAnswer[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const answer = await ingest(url, token, SOURCE, `${prefix}-${next++}`);
        answers.push(answer);
        onAnswer(answer);
      }
    }),
  );
  return answers;
}

describe.skipIf(!HAS_PG)('two instances, one killed under load (PostgreSQL, production mode)', () => {
  it('every acknowledged write is stored; the survivor serves every write and its feed delivers them all', async () => {
    database = await createTestDatabase('pg');
    const env = { NODE_ENV: 'production', DATABASE_URL: database.url! };
    const [victim, survivor] = await Promise.all([spawnGateway({ env }), spawnGateway({ env })]);
    processes.push(victim, survivor);
    const token = await serviceToken();
    feed = await openSse(`${survivor.url}/api/v1/devhub/feed`, { token });
    expect(feed.status).toBe(200);

    let answeredByVictim = 0;
    let killed: Promise<unknown> | undefined;
    const [victimAnswers, survivorAnswers] = await Promise.all([
      drive(victim.url, token, 'victim', PER_INSTANCE, () => {
        answeredByVictim += 1;
        if (answeredByVictim === KILL_AFTER) killed = victim.stop('SIGKILL');
      }),
      drive(survivor.url, token, 'survivor', PER_INSTANCE, () => {}),
    ]);
    await killed;
    expect(victim.child.signalCode).toBe('SIGKILL');

    // The victim answered some, then nothing (connections cut or refused); the survivor answered all.
    expect(victimAnswers.filter(isAcknowledged).length).toBeGreaterThanOrEqual(KILL_AFTER - CONCURRENCY);
    expect(victimAnswers.filter((answer) => answer.status === null).length).toBeGreaterThan(0);
    expect(survivorAnswers.filter((answer) => answer.status !== 201)).toEqual([]);

    // After it, nothing the victim sent is still running; every acknowledged write is in the table.
    await untilDatabaseQuiet(database.db);
    const acknowledged = acknowledgedKeys([...victimAnswers, ...survivorAnswers]);
    expect(missingFrom(acknowledged, await storedKeys(database.db, SOURCE))).toEqual([]);

    // The survivor's feed went on: it delivered every acknowledged event, and one written after this.
    const later = await ingest(survivor.url, token, SOURCE, 'survivor-after');
    expect(later.status).toBe(201);
    const expected = new Set([...victimAnswers, ...survivorAnswers, later].filter(isAcknowledged).map((answer) => Number(answer.body!.id)));
    await feed.waitFor(() => missingFrom(expected, new Set(feed!.events().map((event) => event.id))).length === 0, 'every acknowledged event on the feed');
    const ids = feed.events().map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
