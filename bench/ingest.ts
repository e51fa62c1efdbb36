// `npm run bench`: how much the ingest path costs compared with the cheapest route, on this machine,
// in this run. Machines here have 2 noisy cores, so the output is a ratio against a baseline measured
// moments earlier (GET /healthz), not an absolute number to compare across machines.
//
//   npm run bench                      # embedded PGlite
//   DATABASE_URL=postgres://… npm run bench   # a real PostgreSQL (a scratch database: it writes events)
import autocannon from 'autocannon';
import { sign } from 'hono/jwt';
import { loadConfig, type ResolvedConfig } from '../runtime/config.js';
import { startGateway } from '../runtime/gateway/start.js';
import { silentLogger } from '../runtime/log.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const secret = 'bench-secret-bench-secret-bench-secret-1234';

const config = loadConfig({
  PORT: '0',
  HOST: '127.0.0.1',
  SUPABASE_JWT_SECRET: secret,
  GITHUB_WEBHOOK_SECRET: 'bench',
  ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : { OASIS_DATA_DIR: `/tmp/oasis-bench-${process.pid}` }),
}) as ResolvedConfig;
const gateway = await startGateway(config, { logger: silentLogger });
const token = await sign({ role: 'service_role', sub: 'bench' }, secret, 'HS256');

async function run(title: string, path: string, options: Partial<autocannon.Options>): Promise<number> {
  const result = await autocannon({ url: gateway.url + path, connections: CONNECTIONS, duration: SECONDS, ...options });
  const ok = result['2xx'];
  const rps = ok / SECONDS;
  console.log(`${title.padEnd(34)} ${rps.toFixed(0).padStart(7)} req/s  p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  non-2xx ${result.non2xx}`);
  return rps;
}

let n = 0;
const baseline = await run('GET /healthz (baseline)', '/healthz', { method: 'GET' });
const ingest = await run('POST /events/ingest (new events)', '/events/ingest', {
  method: 'POST',
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  // A fresh externalId per request, so every request is a real insert (not an idempotent repeat).
  requests: [
    {
      setupRequest: (request) => ({
        ...request,
        body: JSON.stringify({ source: 'bench', kind: 'k', vtid: 'VTID-2026-0001', externalId: `bench-${process.pid}-${n++}` }),
      }),
    },
  ],
});
const query = await run('GET /api/v1/oasis/events?limit=50', '/api/v1/oasis/events?source=bench&limit=50', {
  method: 'GET',
  headers: { authorization: `Bearer ${token}` },
});

console.log(`\ningest / baseline: ${(ingest / baseline).toFixed(3)}   query / baseline: ${(query / baseline).toFixed(3)}   (database: ${gateway.db.kind})`);
await gateway.shutdown();
