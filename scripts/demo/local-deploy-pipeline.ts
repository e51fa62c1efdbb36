import { createLogger, type Logger } from '../../runtime/core/log.js';
import { loadWatcherConfig } from '../../runtime/watcher/config.js';
import { startWatcher, type RunningWatcher } from '../../runtime/watcher/start.js';
import { startLoggingServer, type LocalLoggingServer, type LogEntryJson } from './cloud-logging-server.js';
import { readJsonObject } from './send-delivery.js';

/**
 * Cloud Run deploys the way production sees them, on this machine: the real deploy watcher
 * (runtime/watcher, in this process, on a free loopback port) reads a local Cloud Logging server over
 * the real gRPC API and publishes what it finds to the gateway with the demo's service-role token.
 * `record` adds an audit-log entry to Cloud Logging, then asks the watcher to poll, as Cloud
 * Scheduler does every minute in production.
 */

/** The project the audit-log fixtures are from (their logName and resource labels name it). */
const PROJECT = 'vitana-dev';

export interface PollAnswer {
  status: number;
  body: Record<string, unknown>;
}

export interface LocalDeployPipeline {
  record(entry: LogEntryJson): Promise<PollAnswer>;
  close(): Promise<void>;
}

/** The watcher's own log: only what needs a person's attention, on stderr (stdout is the story). */
function quietLogger(): Logger {
  return createLogger({ service: 'demo-deploy-watcher' }, (line) => {
    const { severity } = JSON.parse(line) as { severity: string };
    if (severity === 'WARNING' || severity === 'ERROR' || severity === 'CRITICAL') process.stderr.write(line + '\n');
  });
}

export async function startLocalDeployPipeline(options: { gateway: string; token: string }): Promise<LocalDeployPipeline> {
  const logging: LocalLoggingServer = await startLoggingServer();
  let watcher: RunningWatcher;
  try {
    const config = loadWatcherConfig({
      PORT: '0',
      GOOGLE_CLOUD_PROJECT: PROJECT,
      GATEWAY_URL: options.gateway,
      SUPABASE_SERVICE_ROLE: options.token,
      CLOUD_LOGGING_ENDPOINT: logging.endpoint,
      SHUTDOWN_GRACE_MS: '2000',
    });
    watcher = await startWatcher(config, { logger: quietLogger(), hostname: '127.0.0.1' });
  } catch (error) {
    await logging.close();
    throw error;
  }
  return {
    async record(entry) {
      logging.addEntries([entry]);
      const response = await fetch(`${watcher.url}/poll`, { method: 'POST' });
      return { status: response.status, body: await readJsonObject(response) };
    },
    async close() {
      await watcher.shutdown();
      await logging.close();
    },
  };
}
