/**
 * The metrics window and its UTC days. Pure: the clock comes in as `now`.
 *
 * Bounded so one request cannot ask for years of daily series: at most MAX_WINDOW_DAYS, since before
 * until. Days are UTC calendar days; the first and last may be partial (the window's own edges).
 */

export const DEFAULT_WINDOW_DAYS = 30;
export const MAX_WINDOW_DAYS = 366;
const DAY_MS = 86_400_000;

export interface MetricsWindow {
  since: Date;
  until: Date;
}

export type WindowResult = { outcome: 'resolved'; window: MetricsWindow } | { outcome: 'invalid'; message: string };

/** since/until as given (ISO strings, already validated as timestamps) -> the window, or why not. */
export function resolveWindow(since: string | undefined, until: string | undefined, now: Date): WindowResult {
  const end = until !== undefined ? new Date(until) : now;
  const start = since !== undefined ? new Date(since) : new Date(end.getTime() - DEFAULT_WINDOW_DAYS * DAY_MS);
  if (!(start.getTime() < end.getTime())) return { outcome: 'invalid', message: 'since must be before until' };
  if (end.getTime() - start.getTime() > MAX_WINDOW_DAYS * DAY_MS) return { outcome: 'invalid', message: `the window may span at most ${MAX_WINDOW_DAYS} days` };
  return { outcome: 'resolved', window: { since: start, until: end } };
}

/** `YYYY-MM-DD` of every UTC day the window touches, oldest first. */
export function windowDays(window: MetricsWindow): string[] {
  const days: string[] = [];
  const first = Math.floor(window.since.getTime() / DAY_MS);
  const last = Math.floor((window.until.getTime() - 1) / DAY_MS);
  for (let day = first; day <= last; day++) days.push(new Date(day * DAY_MS).toISOString().slice(0, 10));
  return days;
}

/** The window's length in days (fractional), the denominator of "deployments per day". */
export function windowLengthDays(window: MetricsWindow): number {
  return (window.until.getTime() - window.since.getTime()) / DAY_MS;
}
