import type { OpenAPIHono } from '@hono/zod-openapi';

/**
 * Shapes the OpenAPI 3.1 documents read from the composed gateway: every operation has an operationId
 * and a description, only reachable component schemas stay, tags are declared. Used by
 * `GET /openapi.json` and by `npm run openapi`, so the served and the committed documents are the same.
 */

/** Any router whose specs make the document; it needs no handler or dependency to give it. */
type DocumentSource = Pick<OpenAPIHono, 'getOpenAPI31Document'>;
type OpenApiDocument = ReturnType<DocumentSource['getOpenAPI31Document']>;
type JsonObject = Record<string, unknown>;

export const OPENAPI_INFO = {
  title: 'vitana-oasis gateway',
  version: '1.0.0',
  description: 'GitHub webhooks, the OASIS event store (ingest, query, live feed), agents and the VTID ledger.',
};

/** Tags of the OASIS part (ingest, query, feed, agents): `openapi/oasis-v1.yml`. */
export const OASIS_TAGS = ['OASIS', 'Agents'];

export const TAG_DESCRIPTIONS: Record<string, string> = {
  OASIS: 'The OASIS event store: ingest, query and the live feed.',
  Agents: 'Agent heartbeats and the agents panel.',
  GitHub: 'Signed GitHub webhook deliveries.',
  'VTID ledger': 'The year-sequential task-id registry.',
  Console: 'The Live Console page.',
  Operations: 'Liveness, readiness and the API description.',
};

const SERVERS = [
  { url: 'http://127.0.0.1:8080', description: 'Local gateway (npm start)' },
  { url: 'https://vitana-gateway-{hash}-uc.a.run.app', description: 'Cloud Run', variables: { hash: { default: 'example', description: 'Cloud Run service hash' } } },
];

export const OPENAPI_CONFIG = {
  openapi: '3.1.0',
  info: { ...OPENAPI_INFO, contact: { name: 'Vitana platform team', url: 'https://github.com/vitana/vitana-oasis' }, license: { name: 'UNLICENSED', identifier: 'UNLICENSED' } },
  servers: SERVERS,
};

function operationId(method: string, path: string): string {
  const words = path
    .replace(/\{(\w+)\}/g, 'by-$1')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  return [method, ...words].map((w, i) => (i === 0 ? w.toLowerCase() : w[0]!.toUpperCase() + w.slice(1))).join('');
}

/** Every operation gets an operationId (derived from method and path unless the route names one), a description and a default (5xx) response. */
function completeOperations(doc: OpenApiDocument): void {
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(item as Record<string, JsonObject>)) {
      if (typeof op !== 'object' || op === null || !('responses' in op)) continue;
      op.operationId ??= operationId(method, path);
      op.description ??= op.summary;
      // Any route can meet a database outage (503) or our own bug (500); both use the error body.
      const responses = op.responses as JsonObject;
      responses.default ??= {
        description: 'A dependency outage (503, with Retry-After) or an unexpected server error (500).',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
  }
}

function refsIn(value: unknown, found: Set<string>): void {
  if (Array.isArray(value)) for (const v of value) refsIn(v, found);
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string') found.add(v);
      else refsIn(v, found);
    }
  }
}

/** Drops component schemas that no kept path reaches (transitively). */
function pruneComponents(doc: OpenApiDocument): void {
  const schemas = (doc.components?.schemas ?? {}) as Record<string, unknown>;
  const reached = new Set<string>();
  const queue: unknown[] = [doc.paths];
  while (queue.length) {
    const refs = new Set<string>();
    refsIn(queue.pop(), refs);
    for (const ref of refs) {
      const name = ref.replace('#/components/schemas/', '');
      if (!reached.has(name) && schemas[name] !== undefined) {
        reached.add(name);
        queue.push(schemas[name]);
      }
    }
  }
  for (const name of Object.keys(schemas)) if (!reached.has(name)) delete schemas[name];
}

function usedTags(doc: OpenApiDocument): string[] {
  const tags = new Set<string>();
  for (const item of Object.values(doc.paths ?? {})) {
    for (const op of Object.values(item as Record<string, { tags?: string[] }>)) for (const tag of op?.tags ?? []) tags.add(tag);
  }
  return [...tags].sort();
}

function finish(doc: OpenApiDocument): OpenApiDocument {
  completeOperations(doc);
  pruneComponents(doc);
  doc.tags = usedTags(doc).map((name) => ({ name, description: TAG_DESCRIPTIONS[name] ?? name }));
  return doc;
}

/** Every gateway route: `openapi/gateway-v1.yml` and `GET /openapi.json`. */
export function gatewayDocument(app: DocumentSource): OpenApiDocument {
  return finish(app.getOpenAPI31Document(OPENAPI_CONFIG));
}

/** The OASIS part only (ingest, query, feed, agents): `openapi/oasis-v1.yml`. */
export function oasisDocument(app: DocumentSource): OpenApiDocument {
  const doc = app.getOpenAPI31Document({
    ...OPENAPI_CONFIG,
    info: { ...OPENAPI_CONFIG.info, title: 'vitana-oasis OASIS API', description: 'Ingest, query, live feed and agents of the OASIS event store.' },
  });
  const paths: Record<string, unknown> = {};
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    const ops = Object.values(item as Record<string, { tags?: string[] }>);
    if (ops.some((op) => op?.tags?.some((tag) => OASIS_TAGS.includes(tag)))) paths[path] = item;
  }
  doc.paths = paths as OpenApiDocument['paths'];
  return finish(doc);
}
