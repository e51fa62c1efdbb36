import type { Logger } from '../core/log.js';
import type { Caller } from '../core/caller.js';
import type { AuthOptions } from './auth.js';
import type { BodyReader } from './read-body.js';

/** What middleware hands to handlers through `c.get(...)`. */
export interface AppVariables {
  /** How tokens are verified and whether reads need one: the composition's, set on every request. */
  auth: AuthOptions;
  /** Reads request bodies under the process-wide budget and read timeout (one per instance). */
  bodies: BodyReader;
  /** The cap of a JSON request body (INGEST_MAX_BYTES) where a route names none of its own. */
  jsonBodyMaxBytes: number;
  caller: Caller;
  logger: Logger;
  /** The VTID a request is about; the request log line and the X-VTID header carry it. */
  vtid?: string;
  /** The error code of a rejected request, for its single log line. */
  errorCode?: string;
  /** Set by the body reader when a JSON-typed body does not parse, so the validator's 400 is `invalid_json`. */
  bodyIsMalformedJson?: boolean;
  /** An unexpected error, logged with the request line (never sent to the client). */
  failure?: unknown;
}

export interface AppEnv {
  Variables: AppVariables;
}

/**
 * The env of a feature's routes: the shared variables plus the feature's own dependencies under one
 * key (`c.var.events`, `c.var.ledger`, ...), set once per request by the composition root
 * (runtime/gateway/app.ts). Route specs and handlers are then plain module-level values.
 */
export interface FeatureEnv<Key extends string, Context> {
  Variables: AppVariables & { [K in Key]: Context };
}
