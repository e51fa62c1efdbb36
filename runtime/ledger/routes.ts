import { createRoute } from '@hono/zod-openapi';
import { asRole } from '../db/as-role.js';
import type { BatchedTransactions } from '../db/batched-transactions.js';
import type { Database } from '../core/database.js';
import { authenticate, type AuthOptions } from '../http/auth.js';
import { conflict, forbidden, apiError, ApiError, notFound } from '../http/errors.js';
import type { BodyReader } from '../http/read-body.js';
import { authErrors, BEARER, bodyErrors, createRouter, errorResponse, jsonResponse } from '../http/router.js';
import { writeUnavailable } from '../http/write-errors.js';
import { healthRouteAccess, mayShowDetails } from '../http/service-details.js';
import { updateTask, type Actor } from './ledger-commands.js';
import type { LedgerCreator } from './ledger-creator.js';
import { findLedgerEntry, lastSequenceOfYear, listChildren, listLedgerEntries } from './ledger-repository.js';
import { toNewLedgerEntry } from './new-entry.js';
import { actorName, dbIdentity, type Caller } from '../core/caller.js';
import {
  CreateVtidBodySchema,
  GetVtidQuerySchema,
  ListVtidQuerySchema,
  PatchVtidBodySchema,
  VtidDetailSchema,
  VtidHealthSchema,
  VtidListSchema,
  VtidParamsSchema,
  VtidResultSchema,
} from './schema.js';

export interface VtidRoutesDeps {
  db: Database;
  /** Group commit of the ledger's updates (shared with the heartbeats). */
  transactions: BatchedTransactions;
  /** Group commit of task creation. */
  creator: LedgerCreator;
  auth: AuthOptions;
  /** The VTID's year is the UTC year of this clock at create time (tests inject one). */
  clock: () => Date;
  maxBodyBytes: number;
  /** The time budget of one ledger write (the webhook's: GITHUB_WEBHOOK_STORE_TIMEOUT_MS). */
  writeTimeoutMs: number;
  /** Reads bodies under the process-wide budget and read timeout. */
  bodies: BodyReader;
}

/** With include=children; more than this are paged through /vtid/list?parentVtid=. */
const CHILDREN_LIMIT = 1000;

const ALLOWED_METHODS = 'GET, PATCH';

function actorOf(caller: Caller): Actor {
  return { identity: dbIdentity(caller), name: actorName(caller) };
}

export function vtidRoutes(deps: VtidRoutesDeps) {
  const router = createRouter();
  const capBody = deps.bodies.limit(deps.maxBodyBytes);

  // Static paths first: /vtid/list and /vtid/health must not be taken for /vtid/{vtid}.
  const create = createRoute({
    method: 'post',
    path: '/vtid/create',
    tags: ['VTID ledger'],
    summary: 'Register a task and get its VTID (VTID-YYYY-NNNN, sequential within the UTC year)',
    security: BEARER,
    middleware: [authenticate(deps.auth, 'write'), capBody] as const,
    request: { body: { required: true, content: { 'application/json': { schema: CreateVtidBodySchema } } } },
    responses: {
      201: jsonResponse('Registered; `vtid` is the new id.', VtidResultSchema),
      400: errorResponse('Invalid JSON or fields; the message names them.'),
      ...authErrors,
      ...bodyErrors,
      415: errorResponse('Not application/json.'),
      422: errorResponse('parentVtid names no ledger task.'),
      503: errorResponse(
        'store_timeout / database_unavailable: nothing was stored. store_outcome_unknown: the commit was not confirmed in time and may have landed; look for the task in /vtid/list before creating it again.',
      ),
    },
  });

  router.openapi(create, async (c) => {
    const caller = c.get('caller');
    const entry = toNewLedgerEntry(c.req.valid('json'), caller, deps.clock());
    let outcome;
    try {
      outcome = await deps.creator.create(actorOf(caller), entry, deps.writeTimeoutMs);
    } catch (error) {
      // Not idempotent: a create sent again makes a second task if the first one did land.
      throw writeUnavailable(error, 'the task', 'look for it in GET /vtid/list before creating it again') ?? error;
    }
    if (outcome.kind === 'wrong_tenant') throw forbidden('wrong_tenant', `you may not create tasks for tenant "${outcome.tenant}"`);
    if (outcome.kind === 'unknown_parent') throw apiError(422, 'unknown_parent', `parentVtid ${outcome.parentVtid} is not in the ledger`);
    c.set('vtid', outcome.entry.vtid);
    return c.json({ ok: true as const, vtid: outcome.entry.vtid, data: outcome.entry }, 201);
  });

  const list = createRoute({
    method: 'get',
    path: '/vtid/list',
    tags: ['VTID ledger'],
    summary: 'List tasks, newest first, with keyset paging',
    security: BEARER,
    middleware: [authenticate(deps.auth, 'read')] as const,
    request: { query: ListVtidQuerySchema },
    responses: {
      200: jsonResponse('A page of tasks; pass nextCursor as `before` for the next one.', VtidListSchema),
      400: errorResponse('Invalid filter or limit.'),
      ...authErrors,
    },
  });

  router.openapi(list, async (c) => {
    const q = c.req.valid('query');
    const data = await asRole(deps.db, dbIdentity(c.get('caller')), (tx) =>
      listLedgerEntries(tx, { taskFamily: q.taskFamily, status: q.status, tenant: q.tenant, parentVtid: q.parentVtid, before: q.before }, q.limit),
    );
    const nextCursor = data.length === q.limit ? data[data.length - 1]!.id : null;
    return c.json({ ok: true as const, data, nextCursor }, 200);
  });

  const healthAccess = healthRouteAccess(deps.auth, VtidHealthSchema, 'The ledger is reachable (with its counter for the service role).');
  const health = createRoute({
    method: 'get',
    path: '/vtid/health',
    tags: ['VTID ledger'],
    summary: 'The ledger answers; for the service role also the current UTC year and how many VTIDs it has handed out',
    description: 'Without a service-role token the answer is only `{"ok": true}` (or the 503).',
    ...healthAccess,
    responses: { ...healthAccess.responses, 503: errorResponse('The database is unavailable.') },
  });

  router.openapi(health, async (c) => {
    const year = deps.clock().getUTCFullYear();
    // Read for every caller, so "up" means the ledger answers. The counter is read with the
    // gateway's own connection (callers get no rights on it).
    const issuedThisYear = await lastSequenceOfYear(deps.db, year);
    if (!mayShowDetails(c)) return c.json({ ok: true as const }, 200);
    return c.json({ ok: true as const, service: 'vtid-ledger' as const, year, issuedThisYear }, 200);
  });

  const get = createRoute({
    method: 'get',
    path: '/vtid/{vtid}',
    tags: ['VTID ledger'],
    summary: 'One task, optionally with its direct subtasks',
    security: BEARER,
    middleware: [authenticate(deps.auth, 'read')] as const,
    request: { params: VtidParamsSchema, query: GetVtidQuerySchema },
    responses: {
      200: jsonResponse('The task.', VtidDetailSchema),
      400: errorResponse('Not a ledger VTID (VTID-YYYY-NNNN).'),
      ...authErrors,
      404: errorResponse('No such task.'),
    },
  });

  router.openapi(get, async (c) => {
    const { vtid } = c.req.valid('param');
    const { include } = c.req.valid('query');
    c.set('vtid', vtid);
    const found = await asRole(deps.db, dbIdentity(c.get('caller')), async (tx) => {
      const entry = await findLedgerEntry(tx, vtid);
      if (entry === null || include !== 'children') return entry;
      const children = await listChildren(tx, vtid, CHILDREN_LIMIT + 1);
      return { ...entry, children: children.slice(0, CHILDREN_LIMIT), moreChildren: children.length > CHILDREN_LIMIT };
    });
    if (found === null) throw notFound('vtid_not_found', `${vtid} is not in the ledger`);
    return c.json({ ok: true as const, vtid, data: found }, 200);
  });

  const patch = createRoute({
    method: 'patch',
    path: '/vtid/{vtid}',
    tags: ['VTID ledger'],
    summary: 'Move a task along its status machine, reassign it, edit its description, merge metadata',
    security: BEARER,
    middleware: [authenticate(deps.auth, 'write'), capBody] as const,
    request: {
      params: VtidParamsSchema,
      body: { required: true, content: { 'application/json': { schema: PatchVtidBodySchema } } },
    },
    responses: {
      200: jsonResponse('The task after the change (unchanged when every given value was already stored).', VtidResultSchema),
      400: errorResponse('Not a ledger VTID, invalid JSON or fields.'),
      ...authErrors,
      404: errorResponse('No such task.'),
      409: errorResponse('The status cannot move there from the current one; the message names it.'),
      ...bodyErrors,
      415: errorResponse('Not application/json.'),
      503: errorResponse(
        'store_timeout / database_unavailable: nothing was stored. store_outcome_unknown: the commit was not confirmed in time and may have landed; sending the change again is harmless.',
      ),
    },
  });

  router.openapi(patch, async (c) => {
    const { vtid } = c.req.valid('param');
    c.set('vtid', vtid);
    let outcome;
    try {
      outcome = await updateTask(deps.transactions, actorOf(c.get('caller')), vtid, c.req.valid('json'), deps.writeTimeoutMs);
    } catch (error) {
      // Sent again, a change that did land answers "unchanged": a repeat is harmless.
      throw writeUnavailable(error, 'the change') ?? error;
    }
    switch (outcome.kind) {
      case 'not_found':
        throw notFound('vtid_not_found', `${vtid} is not in the ledger`);
      case 'wrong_tenant':
        throw forbidden('wrong_tenant', `${vtid} belongs to tenant "${outcome.tenant}"; you may not update it`);
      case 'refused': {
        const allowed = outcome.allowed.length ? `it can move to ${outcome.allowed.join(', ')}` : `${outcome.current} is final`;
        throw conflict('invalid_transition', `${vtid} is ${outcome.current}: it cannot move to ${outcome.requested} (${allowed})`);
      }
      case 'updated':
      case 'unchanged':
        return c.json({ ok: true as const, vtid, data: outcome.entry }, 200);
    }
  });

  // DELETE is deliberately not an operation of the API (the spec lists only what exists); it is
  // answered with 405 and the methods that do exist, so a client learns why instead of a 404.
  router.delete('/vtid/:vtid', () => {
    throw apiError(405, 'method_not_allowed', 'ledger tasks are never deleted; PATCH the status to cancelled instead', {
      Allow: ALLOWED_METHODS,
    });
  });

  return router;
}
