import type { Logger } from '../core/log.js';
import { startupRefusal } from './startup-refusal.js';

export interface RunProcessOptions {
  logger: Logger;
  /** The CRITICAL line for a failure that is no refusal (our bug, an outage), logged with its stack: "gateway failed to start". */
  failure: string;
}

/**
 * Runs a process's `main` (a service's start, a one-shot command) and ends the process as its outcome
 * says. A number is the exit code of a command that is done; nothing means a server that now lives on
 * until its signals stop it (stopOnSignals). A failure exits 1 after one CRITICAL line: a refusal a
 * user can act on (a bad setting, a taken port) is its one line, anything else is `failure` with the
 * error and its stack.
 */
export function runProcess(main: () => Promise<number | void>, options: RunProcessOptions): void {
  main().then(
    (exitCode) => {
      if (typeof exitCode === 'number') process.exit(exitCode);
    },
    (error: unknown) => {
      const refusal = startupRefusal(error);
      if (refusal) options.logger.log('CRITICAL', refusal);
      else options.logger.log('CRITICAL', options.failure, { error });
      process.exit(1);
    },
  );
}
