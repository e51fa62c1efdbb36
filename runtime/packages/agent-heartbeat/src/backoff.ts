/**
 * Pure: how long to wait before retry number `attempt` (1 = the first retry). Exponential from
 * `initialMs`, capped at `maxMs`, with "equal jitter" (between half and all of it) so that many agents
 * losing the gateway at once do not all come back in the same instant.
 */
export function retryDelayMs(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(maxMs, initialMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

/** `Retry-After` in seconds (the only form the gateway sends) -> ms, or null. */
export function retryAfterMs(header: string | null): number | null {
  if (header === null || !/^\d+$/.test(header.trim())) return null;
  return Number(header.trim()) * 1000;
}
