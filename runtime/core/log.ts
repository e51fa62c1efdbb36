/**
 * Structured logging: one JSON object per line with `severity` and `message`, the fields Cloud Logging
 * parses from a container's stdout. Secrets never reach here: callers pass only what is safe to keep.
 */

export type Severity = 'DEBUG' | 'INFO' | 'NOTICE' | 'WARNING' | 'ERROR' | 'CRITICAL';

export type LogFields = Record<string, unknown>;

export interface Logger {
  log(severity: Severity, message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export type LogSink = (line: string) => void;

const stdoutSink: LogSink = (line) => process.stdout.write(line + '\n');

function errorFields(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}

export function createLogger(base: LogFields = {}, sink: LogSink = stdoutSink): Logger {
  const log = (severity: Severity, message: string, fields: LogFields = {}) => {
    const entry: LogFields = { severity, message, time: new Date().toISOString(), ...base };
    for (const [key, value] of Object.entries(fields)) entry[key] = errorFields(value);
    sink(JSON.stringify(entry));
  };
  return {
    log,
    debug: (m, f) => log('DEBUG', m, f),
    info: (m, f) => log('INFO', m, f),
    warn: (m, f) => log('WARNING', m, f),
    error: (m, f) => log('ERROR', m, f),
    child: (fields) => createLogger({ ...base, ...fields }, sink),
  };
}

/** A logger that keeps lines in memory: for tests that assert on what was (or was not) logged. */
export function createMemoryLogger(): Logger & { lines: LogFields[] } {
  const lines: LogFields[] = [];
  const logger = createLogger({}, (line) => lines.push(JSON.parse(line) as LogFields));
  return Object.assign(logger, { lines });
}

export const silentLogger: Logger = createLogger({}, () => {});
