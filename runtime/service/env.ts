import { z } from 'zod';

/**
 * The building blocks of the worker services' environment schemas (the deploy watcher, the delivery
 * reconciler): each setting's message says what is wrong, and the config module prefixes the variable.
 */

/** Unset and empty mean the same: the default applies (or the setting is missing). */
export const blankToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

export const int = (min: number, max: number, fallback: number) =>
  z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ error: 'must be an integer' })
      .int('must be an integer')
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`)
      .default(fallback),
  );

export const required = (what: string) =>
  z.preprocess(blankToUndefined, z.string({ error: `is required (${what})` }).trim().min(1, `is required (${what})`));

/** An http(s) base URL without its trailing slashes; `what` names it when it is missing. */
export const httpUrl = (what: string | undefined) =>
  z.preprocess(
    blankToUndefined,
    z
      .url({
        protocol: /^https?$/,
        error: (issue) => (issue.input === undefined && what ? `is required (${what})` : 'must be an http(s) URL'),
      })
      .transform((value) => value.replace(/\/+$/, '')),
  );

/** Zod issues -> `NAME message; NAME message`: one line naming every offending variable. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((issue) => `${issue.path.map(String).join('.')} ${issue.message}`).join('; ');
}
