import type { ScratchDatabases } from '../lib/databases.js';
import type { BenchSettings } from '../lib/settings.js';

/** What every scenario is handed by the orchestrator (bench/run.ts). */
export interface ScenarioContext {
  settings: BenchSettings;
  dbs: ScratchDatabases;
  /** The gateway image folder (dist/gateway.js inside, built once per run). */
  image: string;
  /** This run's temporary folder (removed at the end); logs go to logDir inside it. */
  workDir: string;
  logDir: string;
  /** A service-role token for the gateway's APIs. */
  serviceToken: string;
  log(message: string): void;
}
