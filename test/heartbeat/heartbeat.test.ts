import { describe, expect, it } from 'vitest';
import { retryAfterMs, retryDelayMs } from '../../runtime/packages/agent-heartbeat/src/backoff.js';
import { startHeartbeat } from '@vitana/agent-heartbeat';
import { IDLE } from '@vitana/agent-heartbeat/wire';
import { toTask } from '../../runtime/packages/agent-heartbeat/src/task.js';

describe('retryDelayMs', () => {
  it('doubles from the initial delay up to the cap, with at most half taken off by jitter', () => {
    const top = () => 1;
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => retryDelayMs(n, 1_000, 30_000, top))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    const bottom = () => 0;
    expect([1, 2, 6].map((n) => retryDelayMs(n, 1_000, 30_000, bottom))).toEqual([500, 1_000, 15_000]);
  });

  it('stays finite for absurd attempt counts', () => {
    expect(retryDelayMs(10_000, 1_000, 30_000, () => 1)).toBe(30_000);
  });
});

describe('retryAfterMs', () => {
  it.each([
    ['5', 5_000],
    [' 12 ', 12_000],
    [null, null],
    ['Wed, 21 Oct 2015 07:28:00 GMT', null],
    ['-1', null],
  ] as const)('%j -> %j', (header, expected) => {
    expect(retryAfterMs(header)).toBe(expected);
  });
});

describe('toTask', () => {
  it.each([
    [null, IDLE],
    [undefined, IDLE],
    ['', IDLE],
    ['idle', IDLE],
    ['vtid-2026-0001', 'VTID-2026-0001'],
    [' DEV-CICDL-0031 ', 'DEV-CICDL-0031'],
  ] as const)('%j -> %s', (input, expected) => {
    expect(toTask(input)).toBe(expected);
  });

  it('throws at the call site for something that is not a VTID', () => {
    expect(() => toTask('task 7')).toThrow(TypeError);
    expect(() => toTask('VTID-2026-12')).toThrow(/not a VTID/);
  });
});

describe('startHeartbeat option checks (programming errors throw at once, before any request)', () => {
  const fetchNever = (() => {
    throw new Error('must not be called');
  }) as unknown as typeof fetch;
  const base = { agent: 'a', gatewayUrl: 'http://127.0.0.1:1', token: 't', fetch: fetchNever };
  it.each([
    ['empty agent', { agent: '' }, TypeError],
    ['no token', { token: '' }, TypeError],
    ['bad url', { gatewayUrl: 'not a url' }, TypeError],
    ['ftp url', { gatewayUrl: 'ftp://x' }, TypeError],
    ['interval too short', { intervalMs: 10 }, RangeError],
    ['interval not an integer', { intervalMs: 1500.5 }, RangeError],
    ['bad vtid', { vtid: 'nope' }, TypeError],
  ] as const)('%s', (_name, override, errorType) => {
    expect(() => startHeartbeat({ ...base, ...override })).toThrow(errorType);
  });
});
