import type { RouteHandler } from '@hono/zod-openapi';
import { dbIdentity } from '../core/caller.js';
import { batchAsRole } from '../db/as-role.js';
import { buildBoard } from './board.js';
import type { board, BoardEnv } from './board.routes.js';
import { boardStatement, readAttempts } from './repository.js';

const DAY_MS = 86_400_000;

export const showBoard: RouteHandler<typeof board, BoardEnv> = async (c) => {
  const { db, clock } = c.var.board;
  const q = c.req.valid('query');
  const since = new Date(clock().getTime() - q.days * DAY_MS);
  const [result] = await batchAsRole(db, dbIdentity(c.get('caller')), [boardStatement(since)]);
  const rows = buildBoard(readAttempts(result!), { repo: q.repo, service: q.service, layer: q.layer, module: q.module, status: q.status });
  return c.json({ ok: true as const, since: since.toISOString(), ...rows }, 200);
};
