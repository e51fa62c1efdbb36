/** Classifies database errors so the HTTP layer can answer 4xx for the caller's fault, 503 for an outage. */

function field(error: unknown, name: string): unknown {
  return error !== null && typeof error === 'object' ? (error as Record<string, unknown>)[name] : undefined;
}

/** SQLSTATE 42501: a row-level-security policy (or a missing grant) refused the statement. */
export function isPermissionDenied(error: unknown): boolean {
  return field(error, 'code') === '42501';
}

/** SQLSTATE 57014: a statement_timeout (or a cancel request) stopped the statement. */
export function isQueryCanceled(error: unknown): boolean {
  return field(error, 'code') === '57014';
}

/** SQLSTATE 40P01 / 40001: the transaction lost a deadlock or a serialization race; running it again can succeed. */
export function isTransientConflict(error: unknown): boolean {
  const code = field(error, 'code');
  return code === '40P01' || code === '40001';
}

/**
 * Work asked of the database after shutdown stopped taking any (Database.stopWork): certainly never
 * sent, an outage to its caller. Our own error, so it is recognised by its class, never by its text.
 */
export class DatabaseStoppingError extends Error {
  override readonly name = 'DatabaseStoppingError';
  constructor() {
    super('database unavailable: the gateway is shutting down');
  }
}

// 08: connection errors; 57P01-03: shutting down; 53300: too many connections; 3D000: the database is gone.
const UNAVAILABLE_SQLSTATE = /^(08|57P0[123]|53300|3D000)/;
// Only for the drivers' own errors that carry neither a SQLSTATE nor a Node error code: pg's pool
// ("timeout exceeded when trying to connect", "Connection terminated", "Cannot use a pool after
// calling end") and PGlite ("PGlite is closed") give nothing else to go by. Never for errors of ours.
const DRIVER_UNAVAILABLE_MESSAGE = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Connection terminated|timeout exceeded when trying to connect|PGlite is closed|Client has encountered a connection error|Cannot use a pool after calling end/i;

/** The database cannot be reached or is shutting down: a dependency outage, answered with 503. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof DatabaseStoppingError) return true;
  const code = field(error, 'code');
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || /^E[A-Z]+$/.test(code))) return true;
  const message = field(error, 'message');
  return typeof message === 'string' && DRIVER_UNAVAILABLE_MESSAGE.test(message);
}
