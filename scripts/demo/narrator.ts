import { networkReason } from './gateway-api.js';

/**
 * Plays the story's steps one after another at the chosen pace and prints one line per step for the
 * person watching: who acts, what was sent, the answer's status, what the gateway made of it. The
 * first step the gateway refuses (or that cannot reach it) ends the story: later steps build on it.
 */

export interface StepAnswer {
  ok: boolean;
  /** The HTTP status of the answer, or `-` when none came. */
  status: number | '-';
  detail: string;
  /** What to do about a refusal. */
  hint?: string;
}

export class StoryRefused extends Error {
  constructor(
    readonly step: number,
    readonly answer: StepAnswer,
  ) {
    super(`step ${step} was refused: ${answer.status} ${answer.detail}`);
    this.name = 'StoryRefused';
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Narrator {
  private played = 0;

  constructor(
    private readonly paceMs: number,
    private readonly print: (line: string) => void,
  ) {}

  get steps(): number {
    return this.played;
  }

  async step(actor: string, what: string, run: () => Promise<StepAnswer>): Promise<void> {
    if (this.played > 0 && this.paceMs > 0) await sleep(this.paceMs);
    this.played += 1;
    let answer: StepAnswer;
    try {
      answer = await run();
    } catch (error) {
      answer = { ok: false, status: '-', detail: `no answer: ${networkReason(error)}`, hint: 'is the gateway still running?' };
    }
    const number = String(this.played).padStart(2);
    this.print(`${number}  ${actor.padEnd(8)} ${what.padEnd(50)} ${String(answer.status).padEnd(3)}  ${answer.detail}`);
    if (!answer.ok) throw new StoryRefused(this.played, answer);
  }
}
