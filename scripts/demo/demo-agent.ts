import { startHeartbeat, type BeatReport, type HeartbeatError, type HeartbeatHandle } from '@vitana/agent-heartbeat';

/**
 * An agent service of the story, beating with the heartbeat library exactly as a real one does
 * (@vitana/agent-heartbeat). Each story step waits until the gateway has recorded the beat that step
 * causes, so the story's lines say what the gateway answered.
 */

export type BeatOutcome = { ok: true; report: BeatReport } | { ok: false; error: HeartbeatError | Error };

export interface DemoAgent {
  readonly name: string;
  /** Starts beating (the first time) or switches task, and resolves once the gateway shows the task. */
  work(vtid: string): Promise<BeatOutcome>;
  /** Finished the task: resolves once the gateway shows IDLE. */
  idle(): Promise<BeatOutcome>;
  /** The final beat of a clean shutdown (once; later calls return the first's outcome); null when the agent never started. */
  stop(): Promise<BeatOutcome | null>;
}

/** A beat that does not land in this time (the library keeps retrying transient failures) fails the step. */
const BEAT_TIMEOUT_MS = 10_000;

interface Waiter {
  wanted: (report: BeatReport) => boolean;
  resolve: (outcome: BeatOutcome) => void;
}

export function demoAgent(options: { name: string; gateway: string; token: string }): DemoAgent {
  let handle: HeartbeatHandle | null = null;
  let waiter: Waiter | null = null;

  const settle = (outcome: BeatOutcome) => waiter?.resolve(outcome);

  /** Does `act` and resolves with the first beat report it `wanted`, a refusal, or a timeout. */
  const next = (wanted: Waiter['wanted'], act: () => void): Promise<BeatOutcome> =>
    new Promise<BeatOutcome>((resolve) => {
      const mine: Waiter = {
        wanted,
        resolve: (outcome) => {
          clearTimeout(timer);
          if (waiter === mine) waiter = null;
          resolve(outcome);
        },
      };
      const timer = setTimeout(() => mine.resolve({ ok: false, error: new Error(`no heartbeat of ${options.name} landed within ${BEAT_TIMEOUT_MS} ms`) }), BEAT_TIMEOUT_MS);
      // Only one wait at a time (a stop during a task switch ends the switch's wait).
      waiter?.resolve({ ok: false, error: new Error(`${options.name} was stopped before the beat landed`) });
      waiter = mine;
      act();
    });

  const start = (vtid: string) => {
    handle = startHeartbeat({
      agent: options.name,
      gatewayUrl: options.gateway,
      token: options.token,
      vtid,
      // A real agent's default; the story is over long before a second beat is due.
      intervalMs: 60_000,
      onBeat: (report) => {
        if (waiter?.wanted(report)) settle({ ok: true, report });
      },
      // A refusal will not heal by retrying; transient failures are retried by the library until the timeout.
      onError: (error) => {
        if (error.kind === 'rejected' || error.details.retryInMs === null) settle({ ok: false, error });
      },
    });
  };

  // The story stops its agents, and so does the clean-up after a refusal: the second call is the first's.
  let stopping: Promise<BeatOutcome | null> | null = null;

  return {
    name: options.name,
    work: (vtid) => next((report) => report.vtid === vtid && report.status === 'online', () => (handle ? handle.setVtid(vtid) : start(vtid))),
    idle: () => next((report) => report.status === 'idle', () => handle?.setVtid(null)),
    stop: () => (stopping ??= handle ? next((report) => report.status === 'stopped', () => void handle?.stop()) : Promise.resolve(null)),
  };
}
