import type { Queryable } from '../../runtime/core/database.js';

/**
 * Writes under faults, and what was made of them: each write is keyed (its externalId), its answer
 * recorded as it came (a status and JSON body, or no answer at all), so a test can hold the answers
 * against the rows: every acknowledged write stored, nothing stored that was refused or cut off.
 */

export interface WriteAnswer {
  key: string;
  /** null: no HTTP answer (connection refused or cut). */
  status: number | null;
  /** The parsed JSON body; undefined when there was none or it was not JSON. */
  body?: { ok: boolean; error?: { code: string; message: string }; [field: string]: unknown };
  /** The raw body text when it was not JSON (a 5xx from something else, an empty reply). */
  text?: string;
  /** The fetch failure when there was no answer. */
  failure?: string;
}

/** POSTs `body` (JSON) and records the answer; never throws. */
export async function send(url: string, token: string, key: string, body: unknown, timeoutMs = 30_000): Promise<WriteAnswer> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    try {
      return { key, status: res.status, body: JSON.parse(text) as WriteAnswer['body'] };
    } catch {
      return { key, status: res.status, text };
    }
  } catch (error) {
    return { key, status: null, failure: error instanceof Error ? `${error.message}${error.cause ? `: ${String(error.cause)}` : ''}` : String(error) };
  }
}

/** POST /events/ingest of one event with `source` and the externalId `key`. */
export function ingest(baseUrl: string, token: string, source: string, key: string): Promise<WriteAnswer> {
  return send(`${baseUrl}/events/ingest`, token, key, { source, kind: 'load', title: key, externalId: key });
}

export const isAcknowledged = (answer: WriteAnswer): boolean => answer.status !== null && answer.status >= 200 && answer.status < 300;

/** The keys answered 2xx. */
export function acknowledgedKeys(answers: readonly WriteAnswer[]): Set<string> {
  return new Set(answers.filter(isAcknowledged).map((answer) => answer.key));
}

/** The answers that told the client nothing was stored: the keys that must not be in the table. */
export function refusedKeys(answers: readonly WriteAnswer[]): Set<string> {
  const certain = new Set(['store_timeout', 'database_unavailable']);
  return new Set(answers.filter((answer) => answer.status !== null && !isAcknowledged(answer) && certain.has(answer.body?.error?.code ?? '')).map((answer) => answer.key));
}

/** The externalIds stored for `source`. */
export async function storedKeys(db: Queryable, source: string): Promise<Set<string>> {
  const { rows } = await db.query<{ external_id: string }>('select external_id from oasis_events where source = $1', [source]);
  return new Set(rows.map((row) => row.external_id));
}

/** Elements of `a` not in `b`. */
export function missingFrom<T>(a: Iterable<T>, b: ReadonlySet<T>): T[] {
  return [...a].filter((item) => !b.has(item));
}

/**
 * Waits until no session of the database behind `db` other than the asking one is running a query or
 * holds a transaction open: after it, nothing sent by a gateway that is gone can still commit.
 */
export async function untilDatabaseQuiet(db: Queryable, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'
          and state in ('active', 'idle in transaction', 'idle in transaction (aborted)')`,
    );
    if (rows[0]!.n === 0) return;
    if (Date.now() > deadline) throw new Error(`database still busy after ${timeoutMs} ms (${rows[0]!.n} sessions)`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
