/**
 * Delivery counters for GET /webhooks/health. In memory, per gateway instance, since it started: enough
 * to see at a glance whether GitHub reaches this instance and whether its deliveries are refused.
 */

export interface WebhookStatsSnapshot {
  since: string;
  lastAcceptedAt: string | null;
  /** Answered 2xx (stored now, or already stored: redeliveries). */
  accepted: number;
  /** Of the accepted ones, redeliveries of an already stored delivery. */
  duplicates: number;
  /** Answered 4xx or 5xx. */
  rejected: number;
  /** Rejections by error code (signature_invalid, invalid_json, store_timeout, …). */
  rejectedByCode: Record<string, number>;
}

export interface WebhookStats {
  accepted(duplicate: boolean): void;
  rejected(code: string): void;
  snapshot(): WebhookStatsSnapshot;
}

export function createWebhookStats(clock: () => Date = () => new Date()): WebhookStats {
  const since = clock().toISOString();
  let lastAcceptedAt: string | null = null;
  let accepted = 0;
  let duplicates = 0;
  let rejected = 0;
  const rejectedByCode = new Map<string, number>();
  return {
    accepted(duplicate) {
      accepted += 1;
      if (duplicate) duplicates += 1;
      lastAcceptedAt = clock().toISOString();
    },
    rejected(code) {
      rejected += 1;
      rejectedByCode.set(code, (rejectedByCode.get(code) ?? 0) + 1);
    },
    snapshot: () => ({ since, lastAcceptedAt, accepted, duplicates, rejected, rejectedByCode: Object.fromEntries(rejectedByCode) }),
  };
}
