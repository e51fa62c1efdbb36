import type { Logger } from '../core/log.js';
import type { Caller } from '../core/caller.js';

/** What middleware hands to handlers through `c.get(...)`. */
export interface AppVariables {
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
