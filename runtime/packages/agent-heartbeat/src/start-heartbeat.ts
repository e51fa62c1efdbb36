import { retryDelayMs } from './backoff.js';
import { sendBeat, type BeatBody, type BeatOutcome } from './send-beat.js';
import { toTask } from './task.js';
import { HeartbeatError, type HeartbeatHandle, type HeartbeatOptions } from './types.js';
import { HEARTBEAT_DEFAULT_INTERVAL_MS, HEARTBEAT_MAX_INTERVAL_MS, HEARTBEAT_MIN_INTERVAL_MS, HEARTBEAT_PATH } from './wire.js';

interface Settings {
  agent: string;
  url: string;
  token: string;
  intervalMs: number;
  initialRetryMs: number;
  maxRetryMs: number;
  requestTimeoutMs: number;
  stopTimeoutMs: number;
  fetch: typeof fetch;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback;
  if (!Number.isFinite(result) || result <= 0) throw new RangeError(`heartbeat: ${name} must be a positive number of ms, got ${value}`);
  return result;
}

function settingsFrom(options: HeartbeatOptions): Settings {
  if (typeof options.agent !== 'string' || options.agent.trim() === '') throw new TypeError('heartbeat: agent must be a non-empty string');
  if (typeof options.token !== 'string' || options.token === '') throw new TypeError('heartbeat: token must be a non-empty string');
  let base: URL;
  try {
    base = new URL(options.gatewayUrl.endsWith('/') ? options.gatewayUrl : `${options.gatewayUrl}/`);
  } catch {
    throw new TypeError(`heartbeat: gatewayUrl is not a URL: "${options.gatewayUrl}"`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new TypeError('heartbeat: gatewayUrl must be http(s)');
  const intervalMs = options.intervalMs ?? HEARTBEAT_DEFAULT_INTERVAL_MS;
  // The gateway's limits, checked here so a wrong value fails at start, in the host's face, instead of in every beat.
  if (!Number.isInteger(intervalMs) || intervalMs < HEARTBEAT_MIN_INTERVAL_MS || intervalMs > HEARTBEAT_MAX_INTERVAL_MS) {
    throw new RangeError(`heartbeat: intervalMs must be an integer between ${HEARTBEAT_MIN_INTERVAL_MS} and ${HEARTBEAT_MAX_INTERVAL_MS}, got ${options.intervalMs}`);
  }
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') throw new TypeError('heartbeat: no global fetch (Node 18+ has one); pass options.fetch');
  return {
    agent: options.agent,
    // Relative to the base (no leading slash), so a gateway behind a path prefix works too.
    url: new URL(HEARTBEAT_PATH.replace(/^\//, ''), base).toString(),
    token: options.token,
    intervalMs,
    initialRetryMs: positive('initialRetryMs', options.initialRetryMs, 1_000),
    maxRetryMs: positive('maxRetryMs', options.maxRetryMs, Math.min(30_000, intervalMs)),
    requestTimeoutMs: positive('requestTimeoutMs', options.requestTimeoutMs, 10_000),
    stopTimeoutMs: positive('stopTimeoutMs', options.stopTimeoutMs, 5_000),
    fetch: fetchImpl,
  };
}

// The heartbeat must never keep its host alive: every timer it sets is unref'd (where the runtime has it),
// except the bounded retries of stop(), which the host explicitly awaits.
function unrefTimer(timer: ReturnType<typeof setTimeout>): void {
  // Typed by the DOM lib (a number) when built, by @types/node (a Timeout) in this repository.
  const handle: unknown = timer;
  if (typeof handle === 'object' && handle !== null && 'unref' in handle && typeof handle.unref === 'function') handle.unref();
}

/**
 * `keepAlive` is only for stop(): the host asked for it and awaits it, so its retries (bounded by
 * stopTimeoutMs) may hold the process open long enough for the final beat to land.
 */
function sleep(ms: number, keepAlive = false): { done: Promise<void>; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const done = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms));
    if (!keepAlive) unrefTimer(timer);
  });
  return { done, cancel: () => clearTimeout(timer) };
}

/**
 * Starts beating at once ("came online"), then every `intervalMs`. One beat is in flight at a time;
 * failures are retried with back-off and reported to `onError`, never thrown. See README.md.
 */
export function startHeartbeat(options: HeartbeatOptions): HeartbeatHandle {
  const settings = settingsFrom(options);
  let task = toTask(options.vtid);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<void> | null = null;
  // A task change arrived while a beat was in flight: send again as soon as it returns.
  let changedWhileInFlight = false;
  let consecutiveFailures = 0;
  let stopping: Promise<void> | null = null;

  // Host callbacks run inside our loop; one that throws must not break it.
  const notify = <T>(callback: ((value: T) => void) | undefined, value: T) => {
    try {
      callback?.(value);
    } catch {
      // The host's problem, not a reason to stop beating.
    }
  };

  const post = (status: BeatBody['status'], timeoutMs: number): Promise<BeatOutcome> =>
    sendBeat({
      url: settings.url,
      token: settings.token,
      body: { agent: settings.agent, vtid: task, status, intervalMs: settings.intervalMs },
      timeoutMs,
      fetch: settings.fetch,
    });

  const fail = (outcome: Extract<BeatOutcome, { outcome: 'failed' }>, retryInMs: number | null, isStopping: boolean) =>
    notify(
      options.onError,
      new HeartbeatError(outcome.kind, outcome.message, {
        status: outcome.status,
        code: outcome.code,
        consecutiveFailures,
        retryInMs,
        stopping: isStopping,
      }),
    );

  /** Sends one beat and returns when the next one is due. */
  const beatOnce = async (): Promise<number> => {
    const outcome = await post('online', settings.requestTimeoutMs);
    if (outcome.outcome === 'sent') {
      consecutiveFailures = 0;
      notify(options.onBeat, outcome.report);
      return settings.intervalMs;
    }
    consecutiveFailures += 1;
    const delay =
      outcome.kind === 'rejected'
        ? settings.intervalMs
        : Math.min(settings.intervalMs, Math.max(retryDelayMs(consecutiveFailures, settings.initialRetryMs, settings.maxRetryMs), outcome.retryAfterMs ?? 0));
    if (!stopping) fail(outcome, delay, false);
    return delay;
  };

  const schedule = (delayMs: number) => {
    clearTimeout(timer);
    timer = setTimeout(beat, delayMs);
    unrefTimer(timer);
  };

  function beat(): void {
    clearTimeout(timer);
    timer = undefined;
    if (stopping) return;
    if (inFlight) {
      changedWhileInFlight = true;
      return;
    }
    // beatOnce cannot reject (sendBeat and notify catch everything), but an unhandled rejection would
    // crash the host, so a surprise still only costs one interval.
    inFlight = beatOnce().catch(() => settings.intervalMs).then((nextInMs) => {
      inFlight = null;
      if (stopping) return;
      if (changedWhileInFlight) {
        changedWhileInFlight = false;
        beat();
      } else schedule(nextInMs);
    });
  }

  /**
   * The final beat: retried with back-off until delivered or refused, or until the next attempt would
   * not fit in stopTimeoutMs; giving up is reported as an error with `retryInMs: null`.
   */
  const sendStop = async (): Promise<void> => {
    const deadline = Date.now() + settings.stopTimeoutMs;
    if (inFlight) {
      // Let a beat already on the wire land first, so the gateway cannot see it after the stop.
      const wait = sleep(deadline - Date.now(), true);
      await Promise.race([inFlight, wait.done]);
      wait.cancel();
    }
    if (changedWhileInFlight) {
      // A task change was queued behind that beat: deliver it (once, no retries), so the event
      // stream shows the agent taking the task before it stops. The stop beat carries it anyway.
      changedWhileInFlight = false;
      const outcome = await post('online', Math.min(settings.requestTimeoutMs, Math.max(1_000, deadline - Date.now())));
      if (outcome.outcome === 'sent') notify(options.onBeat, outcome.report);
    }
    for (let attempt = 1; ; attempt++) {
      // Always one real attempt, even when waiting for the beat in flight used the whole budget.
      const timeoutMs = Math.min(settings.requestTimeoutMs, Math.max(1_000, deadline - Date.now()));
      const outcome = await post('stopped', timeoutMs);
      if (outcome.outcome === 'sent') {
        notify(options.onBeat, outcome.report);
        return;
      }
      consecutiveFailures += 1;
      const delay = retryDelayMs(attempt, settings.initialRetryMs, settings.maxRetryMs);
      const giveUp = outcome.kind === 'rejected' || Date.now() + delay >= deadline;
      fail(outcome, giveUp ? null : delay, true);
      if (giveUp) return;
      await sleep(delay, true).done;
    }
  };

  beat();

  return {
    get vtid() {
      return task;
    },
    setVtid(vtid) {
      const next = toTask(vtid);
      if (stopping || next === task) return;
      task = next;
      beat();
    },
    stop() {
      if (!stopping) {
        clearTimeout(timer);
        timer = undefined;
        stopping = sendStop().catch(() => {});
      }
      return stopping;
    },
  };
}
