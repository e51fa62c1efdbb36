import { z } from 'zod';
import { Refusal } from '../core/refusal.js';
import { describeIssues } from '../core/zod-issues.js';

/**
 * One way to read a service's environment (the gateway, the deploy watcher, the delivery reconciler):
 * `defineEnv(schema, …)` gives the reader of a typed result, and the setting builders below give each
 * variable the same rules and messages everywhere.
 *
 * - Blank (empty or whitespace) counts as unset for every variable: the default applies, or the
 *   setting is missing. (`PORT=` is the default port, not port 0.)
 * - Every problem is reported at once, in one line naming each variable: a bad setting stops the
 *   process with one line naming it (`NAME message; NAME message`). Messages therefore do not repeat
 *   the variable's name: the issue's path is the name.
 */

/** The environment as the process has it. */
export type EnvSource = Readonly<Record<string, string | undefined>>;

/**
 * A service's settings are wrong: the message is the one line naming each bad variable. Each service
 * has its own subclass; startupRefusal() turns any of them into the process's one CRITICAL line.
 */
export class EnvError extends Refusal {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export interface DefineEnvOptions {
  /** Starts the line: "invalid watcher configuration". */
  subject: string;
  /** The service's own error. */
  error: new (message: string) => EnvError;
}

/** The reader of a service's environment: the typed settings, or the service's error (one line). */
export function defineEnv<Schema extends z.ZodType>(schema: Schema, options: DefineEnvOptions): (env: EnvSource) => z.output<Schema> {
  return (env) => {
    const parsed = schema.safeParse(withoutBlanks(env));
    if (!parsed.success) throw new options.error(`${options.subject}: ${describeIssues(parsed.error.issues, { afterPath: ' ' })}`);
    return parsed.data;
  };
}

function withoutBlanks(env: EnvSource): Record<string, string> {
  const set: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined && value.trim() !== '') set[name] = value;
  return set;
}

/** An integer in [min, max]; unset, `fallback`. */
export const integer = (min: number, max: number, fallback: number) => optionalInteger(min, max).default(fallback);

/** An integer in [min, max], or undefined when unset. */
export const optionalInteger = (min: number, max: number) =>
  z.coerce
    .number({ error: 'must be an integer' })
    .int('must be an integer')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .optional();

/**
 * true/false in the words people write in an environment, in any case: true, 1, yes, on, y, enabled;
 * false, 0, no, off, n, disabled (z.stringbool's own lists). Unset, `fallback`.
 */
export const flag = (fallback: boolean) =>
  z
    .string()
    .trim()
    .pipe(z.stringbool({ error: (issue) => `must be true or false, got ${JSON.stringify(issue.input)}` }))
    .default(fallback);

/** Required text, trimmed; `what` says what it is when it is missing. */
export const requiredText = (what: string) => z.string({ error: `is required (${what})` }).trim();

/** An http(s) base URL without its trailing slashes; `what` names it when it is missing. */
export const httpUrl = (what?: string) =>
  z
    .url({
      protocol: /^https?$/,
      error: (issue) => (issue.input === undefined && what ? `is required (${what})` : 'must be an http(s) URL'),
    })
    .transform((value) => value.replace(/\/+$/, ''));

/** A PostgreSQL connection URL; `what` says what it is when it is missing. */
export const postgresUrl = (what: string) =>
  z
    .string({ error: `is required (${what})` })
    .trim()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL');
