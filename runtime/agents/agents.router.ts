import { createRouter } from '../http/router.js';
import { listAgentsPanel, receiveHeartbeat } from './agents.handlers.js';
import { heartbeat, list, type AgentsEnv } from './agents.routes.js';

/** Heartbeats in, the agents panel out. Dependencies come from `c.var.agents`. */
export const agentsRouter = createRouter<AgentsEnv>().openapi(heartbeat, receiveHeartbeat).openapi(list, listAgentsPanel);
