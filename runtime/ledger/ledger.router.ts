import { createRouter } from '../http/router.js';
import { createTask, getTask, ledgerHealth, listTasks, patchTask, refuseDelete } from './ledger.handlers.js';
import { create, get, health, list, patch, type LedgerEnv } from './ledger.routes.js';

/** The VTID ledger. Static paths first (see ledger.routes.ts). Dependencies come from `c.var.ledger`. */
export const ledgerRouter = createRouter<LedgerEnv>()
  .openapi(create, createTask)
  .openapi(list, listTasks)
  .openapi(health, ledgerHealth)
  .openapi(get, getTask)
  .openapi(patch, patchTask);
ledgerRouter.delete('/vtid/:vtid', refuseDelete);
