import { Agent, request } from 'node:http';
import { childInput, reportResult } from '../lib/processes.js';

/**
 * Scenario 6's client, in its own process: `creates` POST /vtid/create all at once (one connection
 * each, spread round-robin over `urls`), then the ids returned: distinct, and gapless from 1 in the
 * current UTC year (the database is fresh).
 */

export interface VtidInput {
  urls: string[];
  token: string;
  creates: number;
}

export interface VtidResult {
  creates: number;
  created: number;
  failed: Record<string, number>;
  elapsedSeconds: number;
  perSecond: number;
  distinct: number;
  duplicates: number;
  /** Sequence numbers of the year missing between 1 and the highest returned. */
  gaps: number;
  firstVtid: string | null;
  lastVtid: string | null;
  gapless: boolean;
}

const input = childInput<VtidInput>();
const agents = input.urls.map(() => new Agent({ keepAlive: false, maxSockets: Infinity }));
const year = new Date().getUTCFullYear();
const failed: Record<string, number> = {};
const vtids: string[] = [];

function create(i: number): Promise<void> {
  const body = JSON.stringify({ taskFamily: 'bench', taskType: 'create', description: `bench create ${i}`, metadata: { i } });
  const u = i % input.urls.length;
  return new Promise((resolve) => {
    const req = request(`${input.urls[u]}/vtid/create`, {
      method: 'POST',
      agent: agents[u],
      headers: { authorization: `Bearer ${input.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        try {
          const parsed = JSON.parse(text) as { ok?: boolean; vtid?: string };
          if (res.statusCode === 201 && parsed.ok && parsed.vtid) {
            vtids.push(parsed.vtid);
            return resolve();
          }
        } catch {
          // counted as failed
        }
        failed[String(res.statusCode)] = (failed[String(res.statusCode)] ?? 0) + 1;
        resolve();
      });
    });
    req.on('error', (error) => {
      failed[error.message] = (failed[error.message] ?? 0) + 1;
      resolve();
    });
    req.end(body);
  });
}

const started = performance.now();
await Promise.all(Array.from({ length: input.creates }, (_, i) => create(i)));
const elapsedSeconds = (performance.now() - started) / 1000;
for (const agent of agents) agent.destroy();

const sequences = new Set<number>();
const pattern = new RegExp(`^VTID-${year}-(\\d{4,})$`);
for (const vtid of vtids) {
  const match = pattern.exec(vtid);
  if (match) sequences.add(Number(match[1]));
}
const highest = Math.max(0, ...sequences);
let gaps = 0;
for (let n = 1; n <= highest; n++) if (!sequences.has(n)) gaps += 1;
const sorted = [...sequences].sort((a, b) => a - b);
const fmt = (n: number | undefined) => (n === undefined ? null : `VTID-${year}-${String(n).padStart(4, '0')}`);
reportResult({
  creates: input.creates,
  created: vtids.length,
  failed,
  elapsedSeconds: Math.round(elapsedSeconds * 1000) / 1000,
  perSecond: Math.round((vtids.length / elapsedSeconds) * 10) / 10,
  distinct: new Set(vtids).size,
  duplicates: vtids.length - new Set(vtids).size,
  gaps,
  firstVtid: fmt(sorted[0]),
  lastVtid: fmt(sorted[sorted.length - 1]),
  gapless: gaps === 0 && sequences.size === vtids.length && sorted[0] === 1 && highest === input.creates,
} satisfies VtidResult);
