import type { Server } from 'node:http';
import pg from 'pg';

/**
 * What both peers share: the same table (this project's schema, migrated into the peer's own
 * database), the same columns the gateway writes, and one parameterized INSERT per delivery on a pool
 * of 10, autocommit. Idempotent on the delivery GUID like the gateway (on conflict do nothing).
 */

pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v));

export function peerPool(): pg.Pool {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is required');
  // Idle connections go after 2 s so a peer that is not under load holds none of the server's slots.
  const pool = new pg.Pool({ connectionString: url, max: 10, idleTimeoutMillis: 2_000 });
  pool.on('error', () => {});
  return pool;
}

const INSERT = `insert into public.oasis_events (ts, vtid, source, kind, status, title, repo, external_id, tenant, metadata, payload)
  values (now(), $1, $2, $3, $4, $5, $6, $7, 'system', $8::jsonb, $9::jsonb)
  on conflict (source, external_id) do nothing
  returning id`;

const VTID = /(?<![A-Za-z0-9])(VTID-\d{4}-\d{4,}|[A-Za-z]{2,}-[A-Za-z]{2,}-\d{4,})(?![A-Za-z0-9])/;

type Json = Record<string, any>;

function statusOf(run: Json | undefined): string {
  if (!run) return 'info';
  if (run.status !== 'completed') return run.status === 'queued' ? 'queued' : 'in_progress';
  if (run.conclusion === 'success') return 'success';
  if (run.conclusion === 'cancelled') return 'cancelled';
  return run.conclusion ? 'failure' : 'info';
}

/**
 * Stores one delivery. `payloadJson` is the JSON text to store as the payload (the raw body for the
 * bare peer, octokit's re-serialized object for the octokit peer). Returns the id, or null for a repeat.
 */
export async function storeDelivery(pool: pg.Pool, event: string, deliveryId: string, payload: Json, payloadJson: string): Promise<number | null> {
  const run = (payload.workflow_run ?? undefined) as Json | undefined;
  const title: string | null = run?.display_title ?? run?.name ?? null;
  const vtid = VTID.exec(title ?? '')?.[1] ?? VTID.exec(run?.head_branch ?? '')?.[1] ?? 'UNSET';
  const { rows } = await pool.query<{ id: number }>(INSERT, [
    vtid.toUpperCase(),
    event.startsWith('workflow_') || event.startsWith('check_') ? 'github.actions' : 'github',
    event,
    statusOf(run),
    title,
    payload.repository?.full_name ?? null,
    deliveryId,
    JSON.stringify({ deliveryId, event, action: payload.action ?? null }),
    payloadJson,
  ]);
  return rows[0]?.id ?? null;
}

/** Listens on PORT (loopback) until SIGTERM/SIGINT, then closes the server and the pool and exits. */
export function listenUntilStopped(server: Server, pool: pg.Pool): void {
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
  const stop = () => {
    server.close();
    server.closeAllConnections();
    void pool.end().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
