import { describe, expect, it } from 'vitest';
import { createWebhookStats } from '../../runtime/github/stats.js';

describe('webhook delivery counters', () => {
  it('start at zero with the start time', () => {
    const stats = createWebhookStats(() => new Date('2026-03-02T09:00:00Z'));
    expect(stats.snapshot()).toEqual({
      since: '2026-03-02T09:00:00.000Z',
      lastAcceptedAt: null,
      accepted: 0,
      duplicates: 0,
      rejected: 0,
      rejectedByCode: {},
    });
  });

  it('count accepted deliveries (duplicates among them), rejections by code, and the last acceptance', () => {
    let now = new Date('2026-03-02T09:00:00Z');
    const stats = createWebhookStats(() => now);
    now = new Date('2026-03-02T09:01:00Z');
    stats.accepted(false);
    now = new Date('2026-03-02T09:02:00Z');
    stats.accepted(true);
    stats.rejected('signature_invalid');
    stats.rejected('signature_invalid');
    stats.rejected('invalid_json');
    now = new Date('2026-03-02T09:03:00Z');
    expect(stats.snapshot()).toEqual({
      since: '2026-03-02T09:00:00.000Z',
      lastAcceptedAt: '2026-03-02T09:02:00.000Z',
      accepted: 2,
      duplicates: 1,
      rejected: 3,
      rejectedByCode: { signature_invalid: 2, invalid_json: 1 },
    });
  });

  it('snapshots are copies', () => {
    const stats = createWebhookStats();
    const before = stats.snapshot();
    stats.rejected('x');
    expect(before.rejectedByCode).toEqual({});
  });
});
