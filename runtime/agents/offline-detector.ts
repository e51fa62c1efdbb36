import { asRole } from '../db/as-role.js';
import type { Database } from '../core/database.js';
import { insertEvent } from '../events/repository.js';
import type { Logger } from '../core/log.js';
import { toAgentEvent } from './agent-events.js';
import { offlineChange } from './coalesce.js';
import { markOverdueAgentsOffline } from './repository.js';
import type { AgentState } from './state.js';
import { serviceIdentity } from '../core/caller.js';

// The detector acts for the platform, not for a caller: it sees and marks every tenant's agents.
const DETECTOR_IDENTITY = serviceIdentity('agent-offline-detector');

/**
 * One pass: marks overdue agents offline and writes one `agent.offline` event each, in one
 * transaction. Safe on every instance at once (see markOverdueAgentsOffline). Returns the agents marked.
 */
export function detectOfflineAgents(db: Database, now: Date): Promise<AgentState[]> {
  return asRole(db, DETECTOR_IDENTITY, async (tx) => {
    const marked = await markOverdueAgentsOffline(tx, now);
    for (const { agent, previousStatus } of marked) await insertEvent(tx, toAgentEvent(offlineChange(agent, previousStatus, now)));
    return marked.map((m) => m.agent);
  });
}

export interface OfflineDetectorOptions {
  db: Database;
  logger: Logger;
  /** "Now": the gateway's injected clock, so tests can make agents overdue without waiting. */
  clock: () => Date;
  /** AGENT_OFFLINE_CHECK_MS. */
  everyMs: number;
}

export interface OfflineDetector {
  /** Runs a pass now (or joins the one running). */
  checkNow(): Promise<AgentState[]>;
  /** Stops the timer and waits for a running pass, so the database is not closed under it. */
  stop(): Promise<void>;
}

/** The background task each gateway instance runs: a pass every `everyMs`. */
export function startOfflineDetector(options: OfflineDetectorOptions): OfflineDetector {
  const { db, logger, clock, everyMs } = options;
  let running: Promise<AgentState[]> | null = null;

  const checkNow = (): Promise<AgentState[]> => {
    running ??= detectOfflineAgents(db, clock())
      .then((marked) => {
        for (const agent of marked) {
          logger.log('NOTICE', 'agent offline', { agent: agent.agent, vtid: agent.vtid, lastSeen: agent.lastSeen.toISOString(), intervalMs: agent.intervalMs });
        }
        return marked;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };

  const timer = setInterval(() => {
    // A failed pass (database outage) is retried by the next tick; nothing is lost meanwhile.
    checkNow().catch((error: unknown) => logger.warn('agent offline check failed', { error }));
  }, everyMs);
  // The HTTP server keeps the process alive; this timer must not keep it from exiting.
  timer.unref();

  return {
    checkNow,
    stop: async () => {
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
