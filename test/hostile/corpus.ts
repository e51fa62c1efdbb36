import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MAX_JSON_DEPTH } from '../../runtime/core/storable.js';
import { MAX_PAYLOAD_DEPTH } from '../../runtime/github/body.js';
import { signGithubBody } from '../helpers/github.js';
import { objectBoundaries, type JsonSchema } from './bounds.js';
import type { Prng } from './prng.js';
import { brokenBodies, CONTENT_TYPES, CRAFTED_VTIDS, hostileValue, nested, NASTY_STRINGS, STEERING_STRINGS, toJson, WRONG_TYPES } from './values.js';

/**
 * The generated hostile corpus: for each write endpoint, its boundary cases (from the OpenAPI
 * document), then seeded random requests (mutated fields, broken bodies, wrong content types, other
 * callers, crafted VTIDs, for webhooks mutated GitHub payloads and bad signatures) up to `count`.
 * Each request carries what the test needs to check the rows it may have written.
 */

export interface HostileRequest {
  endpoint: Endpoint;
  label: string;
  method: 'POST' | 'PATCH';
  path: string;
  headers: Record<string, string>;
  body: string | Uint8Array;
  /** The JSON object sent, when the body is one. */
  sent?: Record<string, unknown>;
  deliveryId?: string;
  event?: string;
  /** PATCH: the task created for this request alone (null: a crafted id no task has). */
  target?: string | null;
}

export type Endpoint = 'webhook' | 'ingest' | 'create' | 'patch' | 'heartbeat';

export interface CorpusContext {
  rng: Prng;
  components: Record<string, JsonSchema>;
  /** Header parameters of POST /webhooks/github, from the same document. */
  webhookHeaders: Array<{ name: string; schema: JsonSchema }>;
  serviceToken: string;
  users: Array<{ token: string; tenant: string }>;
  webhookSecret: string;
  limits: { webhookMaxBytes: number; ingestMaxBytes: number; heartbeatMaxBytes: number };
  /** A ledger task that exists (a valid parentVtid). */
  existingTask: string;
}

type Json = Record<string, unknown>;

const UNKNOWN_KEYS = ['extra', 'Source', '__proto__', 'constructor', '', 'a'.repeat(1_000), '\u0000', 'metadata.vtid', '$where'];

const clone = <T>(value: T): T => structuredClone(value);

/** Mutates `count` fields of `body` (known or unknown names) to hostile values. */
function mutateFields(rng: Prng, body: Json, fields: readonly string[], count: number): string[] {
  const changed: string[] = [];
  for (let i = 0; i < count; i++) {
    const field = rng.chance(0.85) ? rng.pick(fields) : rng.pick(UNKNOWN_KEYS);
    if (rng.chance(0.1)) delete body[field];
    else body[field] = hostileValue(rng);
    changed.push(field || '(empty key)');
  }
  return changed;
}

/** JSON text of exactly `size` bytes: `body` with a padding field sized to fit (in `into`, an object field). */
function sizedJson(body: Json, size: number, into: string): string {
  const base = Buffer.byteLength(toJson({ ...body, [into]: { pad: '' } }));
  return toJson({ ...body, [into]: { pad: 'p'.repeat(Math.max(0, size - base)) } });
}

interface JsonEndpoint {
  endpoint: Endpoint;
  method: 'POST' | 'PATCH';
  schema: string;
  bodyCap: number;
  /** A valid body for request `i`. */
  base: (i: number) => Json;
  path: (i: number) => { path: string; target?: string | null };
  /** Mutations only this endpoint has. */
  special?: (i: number, body: Json) => string | null;
}

function authHeaders(ctx: CorpusContext, tokenRoll: number): { headers: Record<string, string>; who: string } {
  if (tokenRoll < 0.8) return { headers: { authorization: `Bearer ${ctx.serviceToken}` }, who: 'service' };
  const user = ctx.users[Math.floor(tokenRoll * 100) % ctx.users.length]!;
  return { headers: { authorization: `Bearer ${user.token}` }, who: `user(${user.tenant})` };
}

function jsonCases(ctx: CorpusContext, spec: JsonEndpoint, count: number): HostileRequest[] {
  const { rng } = ctx;
  const schema = ctx.components[spec.schema]!;
  const fields = Object.keys(schema.properties ?? {});
  const out: HostileRequest[] = [];
  const push = (i: number, label: string, body: string | Uint8Array, sent: Json | undefined, contentType: string | null = 'application/json') => {
    const { headers, who } = authHeaders(ctx, rng.next());
    if (contentType !== null) headers['content-type'] = contentType;
    const { path, target } = spec.path(i);
    out.push({ endpoint: spec.endpoint, label: `${spec.method} ${spec.schema} #${i} as ${who}: ${label}`, method: spec.method, path, headers, body, sent, target });
  };
  // The free-form metadata has one bound the document cannot state: its nesting depth.
  const boundaries = [
    ...objectBoundaries(schema, ctx.components),
    ...[MAX_JSON_DEPTH - 1, MAX_JSON_DEPTH, MAX_JSON_DEPTH + 1].map((depth) => ({ label: `metadata: nested ${depth}`, value: nested(depth), field: 'metadata' })),
  ].filter((boundary) => fields.includes(boundary.field));
  let i = 0;
  for (const boundary of boundaries) {
    const body = spec.base(i);
    body[boundary.field] = boundary.value;
    push(i++, `boundary ${boundary.label}`, toJson(body), body);
  }
  for (const size of [spec.bodyCap - 1, spec.bodyCap, spec.bodyCap + 1]) {
    const body = spec.base(i);
    const text = sizedJson(body, size, 'metadata');
    push(i++, `body of ${size} bytes (cap ${spec.bodyCap})`, text, JSON.parse(text) as Json);
  }
  for (const broken of brokenBodies()) push(i++, `broken body: ${broken.label}`, broken.body, undefined);
  for (const contentType of CONTENT_TYPES) {
    const body = spec.base(i);
    push(i++, `content type ${contentType}`, toJson(body), body, contentType);
  }
  while (out.length < count) {
    const roll = rng.next();
    const body = spec.base(i);
    if (roll < 0.45) {
      const changed = mutateFields(rng, body, fields, rng.int(1, 3));
      push(i++, `hostile ${changed.join(', ')}`, toJson(body), body);
    } else if (roll < 0.55) {
      const special = spec.special?.(i, body);
      push(i++, special ?? 'valid', toJson(body), body);
    } else if (roll < 0.62) {
      const broken = rng.pick(brokenBodies());
      push(i++, `broken body: ${broken.label}`, broken.body, undefined);
    } else if (roll < 0.67) {
      const contentType = rng.pick(CONTENT_TYPES);
      push(i++, `content type ${contentType}`, toJson(body), body, contentType);
    } else if (roll < 0.72) {
      // A hostile value nested inside the free-form metadata (keys and values).
      const key = rng.chance(0.3) ? String(rng.pick(NASTY_STRINGS)) : 'k';
      body.metadata = { [key]: hostileValue(rng), list: [hostileValue(rng), rng.pick(WRONG_TYPES)] };
      push(i++, `hostile metadata under ${JSON.stringify(key.slice(0, 20))}`, toJson(body), body);
    } else {
      push(i++, 'valid', toJson(body), body);
    }
  }
  return out;
}

export function ingestCases(ctx: CorpusContext, count: number): HostileRequest[] {
  const { rng } = ctx;
  const statuses = ['queued', 'in_progress', 'success', 'failure', 'cancelled', 'info'];
  return jsonCases(
    ctx,
    {
      endpoint: 'ingest',
      method: 'POST',
      schema: 'IngestEvent',
      bodyCap: ctx.limits.ingestMaxBytes,
      base: (i) =>
        rng.chance(0.15)
          ? { service: 'corpus-legacy', event: 'case', metadata: { vtid: rng.pick(['VTID-2026-0042', 'DEV-CICDL-0031', '']), n: i } }
          : { source: 'corpus', kind: 'case', status: rng.pick(statuses), externalId: `ingest-${i}`, title: `case ${i}`, vtid: rng.pick(['UNSET', 'VTID-2026-0042', 'dev-cicdl-0031']) },
      path: () => ({ path: '/events/ingest' }),
      // A repeat of an earlier externalId: idempotent (or another tenant's: 409).
      special: (i, body) => {
        body.externalId = `ingest-${rng.int(0, Math.max(0, i - 1))}`;
        return 'a repeated externalId';
      },
    },
    count,
  );
}

export function createCases(ctx: CorpusContext, count: number): HostileRequest[] {
  const { rng } = ctx;
  return jsonCases(
    ctx,
    {
      endpoint: 'create',
      method: 'POST',
      schema: 'CreateVtid',
      bodyCap: ctx.limits.ingestMaxBytes,
      base: (i) => ({ taskFamily: 'corpus', taskType: 'case', description: `case ${i}`, ...(rng.chance(0.3) ? { assignedTo: 'someone' } : {}) }),
      path: () => ({ path: '/vtid/create' }),
      special: (_i, body) => {
        body.parentVtid = rng.chance(0.5) ? ctx.existingTask : rng.pick(CRAFTED_VTIDS);
        return `parentVtid ${JSON.stringify(String(body.parentVtid).slice(0, 30))}`;
      },
    },
    count,
  );
}

/** PATCH cases; `targets` yields a fresh task for each request that aims at one. */
export function patchCases(ctx: CorpusContext, count: number, targets: () => string): HostileRequest[] {
  const { rng } = ctx;
  const statuses = ['pending', 'active', 'blocked', 'complete', 'cancelled'];
  return jsonCases(
    ctx,
    {
      endpoint: 'patch',
      method: 'PATCH',
      schema: 'PatchVtid',
      bodyCap: ctx.limits.ingestMaxBytes,
      base: () => ({ status: rng.pick(statuses), ...(rng.chance(0.3) ? { description: 'changed' } : {}), ...(rng.chance(0.2) ? { metadata: { k: 'v' } } : {}) }),
      path: () => {
        if (rng.chance(0.85)) {
          const target = targets();
          return { path: `/vtid/${target}`, target };
        }
        // A crafted id in the path (of a year with no tasks: never a real one), percent-encoded or not.
        const crafted = rng.pick([...CRAFTED_VTIDS, '..', '%', 'VTID-2026-0001?x=1', '/']).replace(/2026/g, '1999');
        return { path: `/vtid/${rng.chance(0.7) ? encodeURIComponent(crafted) : crafted.replace(/[\s\u0000/?#%]/g, '')}`, target: null };
      },
      special: (_i, body) => {
        body.assignedTo = rng.pick([null, 'x', 'y'.repeat(200)]);
        return `assignedTo ${JSON.stringify(body.assignedTo)?.slice(0, 20)}`;
      },
    },
    count,
  );
}

export function heartbeatCases(ctx: CorpusContext, count: number): HostileRequest[] {
  const { rng } = ctx;
  return jsonCases(
    ctx,
    {
      endpoint: 'heartbeat',
      method: 'POST',
      schema: 'Heartbeat',
      bodyCap: ctx.limits.heartbeatMaxBytes,
      base: (i) => ({
        agent: `corpus-agent-${i}`,
        vtid: rng.pick(['IDLE', 'VTID-2026-0042', 'DEV-CICDL-0031', 'idle']),
        status: rng.pick(['online', 'stopped']),
        ...(rng.chance(0.5) ? { intervalMs: rng.pick([1_000, 60_000, 3_600_000]) } : {}),
      }),
      path: () => ({ path: '/api/v1/agents/heartbeat' }),
      special: (_i, body) => {
        body.tenant = rng.pick(['acme', 'beta', 'system', '5', 'ACME']);
        return `tenant ${String(body.tenant)}`;
      },
    },
    count,
  );
}

// ---------------------------------------------------------------------------------------------------
// Webhooks

const FIXTURES = fileURLToPath(new URL('../fixtures/github/', import.meta.url));

function loadFixtures(): Array<{ event: string; payload: Json }> {
  return readdirSync(FIXTURES)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({ event: file.split('.', 1)[0]!, payload: JSON.parse(readFileSync(FIXTURES + file, 'utf8')) as Json }));
}

/** Every [container, key] in a parsed payload, depth first. */
function slots(value: unknown, out: Array<[Json | unknown[], string | number]> = []): Array<[Json | unknown[], string | number]> {
  if (Array.isArray(value)) value.forEach((child, index) => (out.push([value, index]), slots(child, out)));
  else if (value !== null && typeof value === 'object') for (const [key, child] of Object.entries(value)) (out.push([value as Json, key]), slots(child, out));
  return out;
}

function mutatePayload(rng: Prng, payload: Json): string {
  const all = slots(payload);
  const notes: string[] = [];
  for (let n = rng.int(1, 4); n > 0 && all.length; n--) {
    const [container, key] = rng.pick(all);
    const roll = rng.next();
    if (roll < 0.15 && !Array.isArray(container)) {
      delete (container as Json)[key as string];
      notes.push(`deleted ${key}`);
    } else {
      (container as Record<string | number, unknown>)[key] = roll < 0.55 ? rng.pick(STEERING_STRINGS) : hostileValue(rng);
      notes.push(`hostile ${key}`);
    }
  }
  // Labels steer layer and module: give pull requests and issues crafted ones now and then.
  if (rng.chance(0.2)) {
    const holder = (payload.pull_request ?? payload.issue ?? (payload.pull_request = {})) as Json;
    holder.labels = [{ name: rng.pick(STEERING_STRINGS) }, { name: rng.pick(NASTY_STRINGS) }, rng.pick(WRONG_TYPES)];
    notes.push('crafted labels');
  }
  return notes.join(', ');
}

const BAD_SIGNATURES = (body: string | Uint8Array, secret: string): Array<[string, string | null]> => [
  ['no signature', null],
  ['sha1 signature', `sha1=${'a'.repeat(40)}`],
  ['63 hex digits', `sha256=${'a'.repeat(63)}`],
  ['65 hex digits', `sha256=${'a'.repeat(65)}`],
  ['non-hex', `sha256=${'z'.repeat(64)}`],
  ['empty', ''],
  ['wrong secret', signGithubBody(body, `${secret}-not`)],
  ['signature of another body', signGithubBody(`${typeof body === 'string' ? body : ''} `, secret)],
];

export function webhookCases(ctx: CorpusContext, count: number): HostileRequest[] {
  const { rng } = ctx;
  const fixtures = loadFixtures();
  const deliveries: string[] = [];
  const out: HostileRequest[] = [];
  let i = 0;
  const push = (label: string, o: { event: string; body: string | Uint8Array; contentType?: string | null; signature?: string | null; headers?: Record<string, string | null>; deliveryId?: string }) => {
    const deliveryId = o.deliveryId ?? `corpus-${rng.hex(12)}-${i}`;
    deliveries.push(deliveryId);
    const headers: Record<string, string> = {
      'user-agent': 'GitHub-Hookshot/corpus',
      'x-github-event': o.event,
      'x-github-delivery': deliveryId,
      'x-github-hook-id': '482919237',
      'x-github-hook-installation-target-type': 'repository',
      'x-github-hook-installation-target-id': '300029405',
    };
    if (o.contentType !== null) headers['content-type'] = o.contentType ?? 'application/json';
    const signature = o.signature === undefined ? signGithubBody(o.body, ctx.webhookSecret) : o.signature;
    if (signature !== null) headers['x-hub-signature-256'] = signature;
    for (const [name, value] of Object.entries(o.headers ?? {})) {
      if (value === null) delete headers[name];
      else headers[name] = value;
    }
    out.push({ endpoint: 'webhook', label: `webhook #${i}: ${label}`, method: 'POST', path: '/webhooks/github', headers, body: o.body, deliveryId: headers['x-github-delivery'], event: headers['x-github-event'] });
    i++;
  };
  const ping = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });

  // Boundaries: every header bound of the document, the body cap and the nesting bound.
  for (const { name, schema } of ctx.webhookHeaders) {
    if (name === 'x-hub-signature-256') continue;
    for (const length of [schema.minLength, schema.maxLength].filter((n): n is number => n !== undefined).flatMap((n) => [n - 1, n, n + 1])) {
      push(`header ${name} of ${length} characters`, { event: 'ping', body: ping, headers: { [name]: 'h'.repeat(Math.max(0, length)) } });
    }
    push(`header ${name} missing`, { event: 'ping', body: ping, headers: { [name]: null } });
    push(`header ${name} of latin-1 characters`, { event: 'ping', body: ping, headers: { [name]: 'é\u00ff'.repeat(20) } });
  }
  for (const size of [ctx.limits.webhookMaxBytes - 1, ctx.limits.webhookMaxBytes, ctx.limits.webhookMaxBytes + 1]) {
    push(`body of ${size} bytes (cap ${ctx.limits.webhookMaxBytes})`, { event: 'ping', body: sizedJson({ zen: 'z' }, size, 'hook') });
  }
  for (const depth of [MAX_PAYLOAD_DEPTH - 1, MAX_PAYLOAD_DEPTH, MAX_PAYLOAD_DEPTH + 1, 5_000]) {
    const inner = `${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}`;
    push(`payload nested ${depth} levels`, { event: 'repository_dispatch', body: `{"client_payload":${inner}}` });
  }
  for (const [label, signature] of BAD_SIGNATURES(ping, ctx.webhookSecret)) push(`bad signature: ${label}`, { event: 'ping', body: ping, signature });
  for (const broken of brokenBodies()) push(`broken body: ${broken.label}`, { event: 'push', body: broken.body });
  for (const contentType of CONTENT_TYPES) push(`content type ${contentType}`, { event: 'ping', body: ping, contentType });

  while (out.length < count) {
    const fixture = rng.pick(fixtures);
    const payload = clone(fixture.payload);
    const roll = rng.next();
    const note = roll < 0.8 ? mutatePayload(rng, payload) : 'as GitHub sent it';
    const event = rng.chance(0.9) ? fixture.event : rng.pick(['unknown_event', 'PUSH', ' push ', 'pull_request_review_thread', 'a'.repeat(100), 'x-'.repeat(30)]);
    const json = toJson(payload);
    const form = rng.chance(0.12);
    const body = form ? new URLSearchParams({ payload: json }).toString() : json;
    const deliveryId = rng.chance(0.05) && deliveries.length ? rng.pick(deliveries) : undefined;
    const extra = rng.next();
    if (extra < 0.06) {
      const [label, signature] = rng.pick(BAD_SIGNATURES(body, ctx.webhookSecret));
      push(`${fixture.event}: ${note}; bad signature: ${label}`, { event, body, signature, contentType: form ? 'application/x-www-form-urlencoded' : undefined });
    } else if (extra < 0.1) {
      const broken = rng.pick(brokenBodies());
      push(`${fixture.event}: broken body ${broken.label}${form ? ' (as form)' : ''}`, {
        event,
        body: form && typeof broken.body === 'string' ? new URLSearchParams({ payload: broken.body }).toString() : broken.body,
        contentType: form ? 'application/x-www-form-urlencoded' : undefined,
      });
    } else if (extra < 0.14) {
      const name = rng.pick(['x-github-event', 'x-github-delivery', 'x-github-hook-id']);
      const value = rng.pick([null, '', ' ', 'v'.repeat(rng.pick([100, 101, 200, 201])), 'é'.repeat(50)]);
      push(`${fixture.event}: ${note}; header ${name}=${JSON.stringify(value)?.slice(0, 20)}`, { event, body, headers: { [name]: value }, deliveryId });
    } else {
      push(`${fixture.event}: ${note}${form ? ' (as form)' : ''}${deliveryId ? ' (a redelivery id)' : ''}`, {
        event,
        body,
        deliveryId,
        contentType: form ? 'application/x-www-form-urlencoded' : undefined,
      });
    }
  }
  return out;
}
