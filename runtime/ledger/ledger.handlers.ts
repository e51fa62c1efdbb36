import type { RouteHandler } from '@hono/zod-openapi';
import type { Handler } from 'hono';
import { actorName, dbIdentity, type Caller } from '../core/caller.js';
import { asRole } from '../db/as-role.js';
import { apiError, conflict, forbidden, notFound } from '../http/errors.js';
import { mayShowDetails } from '../http/service-details.js';
import { writeUnavailable } from '../http/write-errors.js';
import { updateTask, type Actor } from './ledger-commands.js';
import { findLedgerEntry, lastSequenceOfYear, listChildren, listLedgerEntries } from './ledger-repository.js';
import type { create, get, health, LedgerEnv, list, patch } from './ledger.routes.js';
import { toNewLedgerEntry } from './new-entry.js';

/** With include=children; more than this are paged through /vtid/list?parentVtid=. */
const CHILDREN_LIMIT = 1000;

const ALLOWED_METHODS = 'GET, PATCH';

function actorOf(caller: Caller): Actor {
  return { identity: dbIdentity(caller), name: actorName(caller) };
}

export const createTask: RouteHandler<typeof create, LedgerEnv> = async (c) => {
  const { creator, clock, writeTimeoutMs } = c.var.ledger;
  const caller = c.get('caller');
  const entry = toNewLedgerEntry(c.req.valid('json'), caller, clock());
  let outcome;
  try {
    outcome = await creator.create(actorOf(caller), entry, writeTimeoutMs);
  } catch (error) {
    // Not idempotent: a create sent again makes a second task if the first one did land.
    throw writeUnavailable(error, 'the task', 'look for it in GET /vtid/list before creating it again') ?? error;
  }
  if (outcome.outcome === 'wrong_tenant') throw forbidden('wrong_tenant', `you may not create tasks for tenant "${outcome.tenant}"`);
  if (outcome.outcome === 'unknown_parent') throw apiError(422, 'unknown_parent', `parentVtid ${outcome.parentVtid} is not in the ledger`);
  c.set('vtid', outcome.entry.vtid);
  return c.json({ ok: true as const, vtid: outcome.entry.vtid, data: outcome.entry }, 201);
};

export const listTasks: RouteHandler<typeof list, LedgerEnv> = async (c) => {
  const q = c.req.valid('query');
  const data = await asRole(c.var.ledger.db, dbIdentity(c.get('caller')), (tx) =>
    listLedgerEntries(tx, { taskFamily: q.taskFamily, status: q.status, tenant: q.tenant, parentVtid: q.parentVtid, before: q.before }, q.limit),
  );
  const nextCursor = data.length === q.limit ? data[data.length - 1]!.id : null;
  return c.json({ ok: true as const, data, nextCursor }, 200);
};

export const ledgerHealth: RouteHandler<typeof health, LedgerEnv> = async (c) => {
  const { db, clock } = c.var.ledger;
  const year = clock().getUTCFullYear();
  // Read for every caller, so "up" means the ledger answers. The counter is read with the
  // gateway's own connection (callers get no rights on it).
  const issuedThisYear = await lastSequenceOfYear(db, year);
  if (!mayShowDetails(c)) return c.json({ ok: true as const }, 200);
  return c.json({ ok: true as const, service: 'vtid-ledger' as const, year, issuedThisYear }, 200);
};

export const getTask: RouteHandler<typeof get, LedgerEnv> = async (c) => {
  const { vtid } = c.req.valid('param');
  const { include } = c.req.valid('query');
  c.set('vtid', vtid);
  const found = await asRole(c.var.ledger.db, dbIdentity(c.get('caller')), async (tx) => {
    const entry = await findLedgerEntry(tx, vtid);
    if (entry === null || include !== 'children') return entry;
    const children = await listChildren(tx, vtid, CHILDREN_LIMIT + 1);
    return { ...entry, children: children.slice(0, CHILDREN_LIMIT), moreChildren: children.length > CHILDREN_LIMIT };
  });
  if (found === null) throw notFound('vtid_not_found', `${vtid} is not in the ledger`);
  return c.json({ ok: true as const, vtid, data: found }, 200);
};

export const patchTask: RouteHandler<typeof patch, LedgerEnv> = async (c) => {
  const { transactions, writeTimeoutMs } = c.var.ledger;
  const { vtid } = c.req.valid('param');
  c.set('vtid', vtid);
  let outcome;
  try {
    outcome = await updateTask(transactions, actorOf(c.get('caller')), vtid, c.req.valid('json'), writeTimeoutMs);
  } catch (error) {
    // Sent again, a change that did land answers "unchanged": a repeat is harmless.
    throw writeUnavailable(error, 'the change') ?? error;
  }
  switch (outcome.outcome) {
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
};

/**
 * DELETE is deliberately not an operation of the API (the spec lists only what exists); it is
 * answered with 405 and the methods that do exist, so a client learns why instead of a 404.
 */
export const refuseDelete: Handler<LedgerEnv> = () => {
  throw apiError(405, 'method_not_allowed', 'ledger tasks are never deleted; PATCH the status to cancelled instead', { Allow: ALLOWED_METHODS });
};
