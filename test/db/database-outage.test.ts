import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acknowledgedKeys, ingest, isAcknowledged, missingFrom, refusedKeys, storedKeys, type WriteAnswer } from '../helpers/load.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process.js';
import { openSse } from '../helpers/sse.js';
import { startThrowawayCluster, throwawayClusterUnavailable, type ThrowawayCluster } from '../helpers/throwaway-cluster.js';
import { serviceToken } from '../helpers/tokens.js';
import { createPgDatabase } from '../../runtime/db/pg.js';
import { silentLogger } from '../../runtime/core/log.js';

/**
 * Issue 12 (suite): the database stopped for 10 s under load, on a cluster this test starts itself,
 * once with `pg_ctl stop -m fast` and once with `-m immediate`, under one production-mode gateway
 * that is never restarted. During the outage every write is answered, with a 503 and a JSON body;
 * none that could still commit is told "nothing was stored"; after it the gateway serves again on
 * its own, its feed included; every acknowledged write is stored.
 */

const unavailable = throwawayClusterUnavailable();
if (unavailable) console.warn(`database-outage.test.ts skipped: ${unavailable}`);

const SOURCE = 'outage-load';
const OUTAGE_MS = 10_000;
const LOOPS = 4;
// Between answers that were not 2xx: the outage answers fast, and a tight loop would only make noise.
const PAUSE_AFTER_REFUSAL_MS = 50;
const OUTAGE_CODES = /^(database_unavailable|store_timeout|store_outcome_unknown)$/;

describe.skipIf(unavailable !== null)(`database stopped for 10 s under load (throwaway cluster)${unavailable ? `: skipped, ${unavailable}` : ''}`, () => {
  let cluster: ThrowawayCluster;
  let gateway: GatewayProcess;
  let token: string;
  beforeAll(async () => {
    cluster = await startThrowawayCluster();
    await cluster.createDatabase('oasis');
    gateway = await spawnGateway({
      env: {
        NODE_ENV: 'production',
        DATABASE_URL: cluster.url('oasis'),
        GITHUB_WEBHOOK_STORE_TIMEOUT_MS: '2000',
        DATABASE_ACQUIRE_TIMEOUT_MS: '2000',
        SHUTDOWN_GRACE_MS: '1000',
      },
    });
    token = await serviceToken();
  });
  afterAll(async () => {
    await gateway?.stop('SIGKILL');
    await cluster?.remove();
  });

  /** Writes from LOOPS loops until `until()` says stop; every answer, in no particular order. */
  async function load(prefix: string, until: () => boolean): Promise<WriteAnswer[]> {
    const answers: WriteAnswer[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: LOOPS }, async () => {
        while (!until()) {
          const answer = await ingest(gateway.url, token, SOURCE, `${prefix}-${next++}`);
          answers.push(answer);
          if (!isAcknowledged(answer)) await new Promise((resolve) => setTimeout(resolve, PAUSE_AFTER_REFUSAL_MS));
        }
      }),
    );
    return answers;
  }

  it.each(['fast', 'immediate'] as const)('pg_ctl stop -m %s, 10 s, start: every write answered, nothing lost, recovery without a restart', async (mode) => {
    let done = false;
    let acknowledgedAfter = 0;
    const loaded = load(mode, () => done);
    // Some load first, then the outage.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await cluster.stop(mode);
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    await cluster.start();
    // Recovery on its own: writes are acknowledged again (the pool reconnects).
    const recovered = Date.now();
    while (acknowledgedAfter < 10 && Date.now() - recovered < 20_000) {
      const probe = await ingest(gateway.url, token, SOURCE, `${mode}-probe-${acknowledgedAfter}-${Date.now()}`);
      if (isAcknowledged(probe)) acknowledgedAfter += 1;
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    done = true;
    const all = await loaded;
    expect(acknowledgedAfter).toBe(10);
    expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);

    // Every write was answered: 2xx, or 503 with a JSON error saying which outage answer it is.
    expect(all.filter((answer) => answer.status === null)).toEqual([]);
    const refusals = all.filter((answer) => !isAcknowledged(answer));
    expect(refusals.length).toBeGreaterThan(0);
    for (const answer of refusals) {
      expect(answer.status, JSON.stringify(answer)).toBe(503);
      expect(answer.body).toMatchObject({ ok: false, error: { code: expect.stringMatching(OUTAGE_CODES), message: expect.any(String) } });
    }

    const db = createPgDatabase({ url: cluster.url('oasis'), logger: silentLogger, max: 1 });
    try {
      const stored = await storedKeys(db, SOURCE);
      // Every acknowledged write survived the stop (fast or immediate), and none told "nothing was stored" is there.
      expect(missingFrom(acknowledgedKeys(all), stored)).toEqual([]);
      expect([...refusedKeys(all)].filter((key) => stored.has(key))).toEqual([]);
    } finally {
      await db.close();
    }

    // The live feed is back too (its LISTEN connection reconnected by itself).
    const feed = await openSse(`${gateway.url}/api/v1/devhub/feed`, { token });
    try {
      expect(feed.status).toBe(200);
      const after = await ingest(gateway.url, token, SOURCE, `${mode}-feed-${Date.now()}`);
      expect(after.status).toBe(201);
      await feed.waitFor(() => feed.events().some((event) => event.id === Number(after.body!.id)), 'the event written after the outage', 20_000);
    } finally {
      feed.close();
    }
  });
});
