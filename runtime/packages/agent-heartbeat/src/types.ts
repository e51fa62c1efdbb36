/** The public types of the heartbeat client. Plain data: no server code, no dependencies. */

import type { AgentStatus } from './wire.js';

export interface HeartbeatOptions {
  /** This agent's name, e.g. `builder-1` (letters, digits, . _ : @ / -). One row per name on the gateway. */
  agent: string;
  /** The gateway's base URL, e.g. `https://oasis-gateway-….run.app`. */
  gatewayUrl: string;
  /** Bearer token for the gateway (normally the service-role JWT). Sent only in the Authorization header. */
  token: string;
  /** How often to beat. Default 60 000 ms; between 1 000 and 3 600 000 (see `@vitana/agent-heartbeat/wire`). Three missed intervals = offline. */
  intervalMs?: number;
  /** The task the agent starts on; default none (IDLE). */
  vtid?: string | null;
  /** Called for every beat that failed (the loop carries on). Never called with the token. */
  onError?: (error: HeartbeatError) => void;
  /** Called after every beat the gateway recorded, with what it now shows. */
  onBeat?: (report: BeatReport) => void;
  /** First retry delay after a network or 5xx failure, doubled per failure. Default 1 000 ms. */
  initialRetryMs?: number;
  /** The longest retry delay. Default the smaller of 30 000 ms and intervalMs. */
  maxRetryMs?: number;
  /** One request's timeout. Default 10 000 ms. */
  requestTimeoutMs?: number;
  /** How long stop() keeps trying to deliver the final beat before giving up. Default 5 000 ms. */
  stopTimeoutMs?: number;
  /** Default: the global fetch. For proxies or instrumentation. */
  fetch?: typeof fetch;
}

export interface HeartbeatHandle {
  /** Switch task (a VTID) or go idle (null). A change is sent at once, not at the next interval. */
  setVtid(vtid: string | null): void;
  /** The task being reported: a VTID, or `IDLE`. */
  readonly vtid: string;
  /**
   * Stops beating and sends a final beat saying the agent stopped. Resolves once it was delivered or
   * stopTimeoutMs passed; never rejects. Calling it again returns the same promise.
   */
  stop(): Promise<void>;
}

/** The agent as the gateway recorded it after a beat. */
export interface BeatReport {
  agent: string;
  /** A VTID, or IDLE. */
  vtid: string;
  status: AgentStatus;
  lastSeen: string;
  /** The OASIS event the beat wrote, or null when it changed nothing. */
  eventId: number | null;
}

/**
 * Why a beat failed. `network`: the gateway could not be reached or timed out; `unavailable`: it
 * answered 5xx/408/429 (both are retried with back-off); `rejected`: it refused the beat (4xx: bad
 * token, bad name, wrong tenant), retried only at the normal interval since repeating cannot help.
 */
export type HeartbeatErrorKind = 'network' | 'unavailable' | 'rejected';

export class HeartbeatError extends Error {
  constructor(
    readonly kind: HeartbeatErrorKind,
    message: string,
    readonly details: {
      status: number | null;
      code: string | null;
      /** Failed beats in a row, this one included. */
      consecutiveFailures: number;
      /** When the next attempt is made; null when none will be (stop() gave up). */
      retryInMs: number | null;
      /** True for the final beat sent by stop(). */
      stopping: boolean;
    },
  ) {
    super(message);
    this.name = 'HeartbeatError';
  }
}
