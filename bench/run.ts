// `npm run bench`: the gateway as deployed (the esbuild bundle, NODE_ENV=production, its own process)
// against its peers and its targets, every load generator in a process of its own, on the local
// PostgreSQL. One table on stdout, every raw number in bench/results.json. See the README's
// Performance section; BENCH_SCALE=smoke is the tiny run `npm test` makes so this cannot rot.
//
//   npm run bench                            # full run (about 7 minutes on 2 cores)
//   npm run bench -- --update-readme         # also replace the table in README.md
//   BENCH_SCALE=smoke BENCH_RESULTS=/tmp/r.json npm run bench
//   BENCH_ONLY=query,coldStart npm run bench # some scenarios only (also: metrics)
//
// Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432), BENCH_RESULTS,
// BENCH_NODE_PATH (a node_modules folder with @octokit/webhooks, until it is installed), BENCH_KEEP=1
// (keep the temporary folder with every server's log).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sign } from 'hono/jwt';
import { ScratchDatabases } from './lib/databases.js';
import { machineInfo } from './lib/machine.js';
import { killAllSync, refuseNewProcesses, startChildService, stopAll, type SpawnedProcess } from './lib/processes.js';
import { buildGatewayImage } from './lib/servers.js';
import { benchSettings, databaseBaseUrl, JWT_SECRET, REPO_ROOT, resultsPath } from './lib/settings.js';
import { buildTable, checksPassed, formatMachine, formatTable, updateReadme, writeResults, type BenchResults, type ScenarioResults } from './report.js';
import { runColdStart } from './scenarios/cold-start.js';
import type { ScenarioContext } from './scenarios/context.js';
import { runFanout } from './scenarios/fanout.js';
import { runIngest } from './scenarios/ingest.js';
import { runLive } from './scenarios/live.js';
import { runMetrics } from './scenarios/metrics.js';
import { runQuery } from './scenarios/query.js';
import { runVtid } from './scenarios/vtid.js';

const SCENARIOS = ['ingest', 'ingestTwoInstances', 'liveLatency', 'fanout', 'query', 'vtid', 'coldStart', 'metrics'] as const;
type ScenarioKey = (typeof SCENARIOS)[number];

const startedAt = new Date();
const t0 = performance.now();
const settings = benchSettings();
const only = (process.env.BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean);
for (const name of only) if (!(SCENARIOS as readonly string[]).includes(name)) throw new Error(`BENCH_ONLY: unknown scenario ${name} (${SCENARIOS.join(', ')})`);
const wanted = (key: ScenarioKey) => only.length === 0 || only.includes(key);

const log = (message: string) => process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);

const workDir = mkdtempSync(join(tmpdir(), 'vitana-bench-'));
const logDir = join(workDir, 'logs');
mkdirSync(logDir);
const dbs = new ScratchDatabases(databaseBaseUrl());
const keep = process.env.BENCH_KEEP === '1';

// Cleanup: every process group, every scratch database, the temporary folder; on success, on an
// error, on Ctrl-C or SIGTERM, and (synchronously) at exit whatever is still left.
let cleaned: Promise<void> | null = null;
function cleanup(): Promise<void> {
  refuseNewProcesses();
  dbs.refuseNew();
  cleaned ??= (async () => {
    await stopAll();
    const failed = await dbs.dropAll();
    if (failed.length) log(`could not drop ${failed.join(', ')}`);
    if (keep) log(`kept ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  })();
  return cleaned;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping every child, dropping the scratch databases`);
    void cleanup().finally(() => process.exit(130));
  });
}
process.once('exit', () => {
  killAllSync();
  dbs.dropAllSync();
  if (!keep) rmSync(workDir, { recursive: true, force: true });
});

const scenarios: ScenarioResults = {};
const errors: Record<string, string> = {};
let exitCode = 0;
try {
  const postgres = await dbs.serverVersion();
  const machine = machineInfo(postgres);
  log(`${settings.scale} run; ${machine.cpuModel}, ${machine.cores} cores; node ${machine.node}; ${machine.postgres}`);
  log('building the gateway bundle (scripts/build.mjs) into a private image folder');
  const image = await buildGatewayImage(workDir);
  const now = Math.floor(Date.now() / 1000);
  const serviceToken = await sign({ role: 'service_role', sub: 'bench', iat: now, exp: now + 6 * 3600 }, JWT_SECRET, 'HS256');
  const ctx: ScenarioContext = { settings, dbs, image, workDir, logDir, serviceToken, log };

  const run = async <K extends ScenarioKey>(key: K, title: string, fn: () => Promise<NonNullable<ScenarioResults[K]>>) => {
    if (!wanted(key)) return;
    log(title);
    try {
      scenarios[key] = (await fn()) as ScenarioResults[K];
    } catch (error) {
      delete scenarios[key];
      errors[key] = error instanceof Error ? error.message : String(error);
      log(`  ${key} failed: ${errors[key]}`);
    }
  };

  await run('ingest', `1 ingest: ${settings.ingest.connections} connections, ${settings.ingest.rounds} rounds of ~${settings.ingest.roundSeconds} s per receiver and size`, () =>
    runIngest(ctx, { label: 'local', settings: settings.ingest, instances: 1 }),
  );

  await run('ingestTwoInstances', `2 ingest, two instances of each through a ${settings.twoInstances.delayMs} ms (each way) database proxy`, async () => {
    const target = new URL(dbs.adminUrl);
    let proxy: SpawnedProcess | undefined;
    try {
      const started = await startChildService<{ port: number }>(join(REPO_ROOT, 'bench/delay-proxy.ts'), {
        targetHost: target.hostname,
        targetPort: Number(target.port || 5432),
        delayMs: settings.twoInstances.delayMs,
      });
      proxy = started.proc;
      return await runIngest(ctx, {
        label: 'proxied',
        settings: settings.twoInstances,
        instances: 2,
        via: { host: '127.0.0.1', port: started.result.port },
        delayMs: settings.twoInstances.delayMs,
      });
    } finally {
      await proxy?.stop();
    }
  });

  await run('liveLatency', `3 live latency: ${settings.live.rate} deliveries/s to instance A, SSE on instance B; ${settings.live.rounds} rounds of ${settings.live.warmupSeconds} s warmup + ${settings.live.seconds} s`, () => runLive(ctx));
  await run('fanout', `4 fan-out: ${settings.fanout.clients} SSE clients, ${settings.fanout.events} events every ${settings.fanout.intervalMs} ms; ${settings.fanout.rounds} rounds`, () => runFanout(ctx));
  await run('query', `5 query API over ${settings.query.rows.toLocaleString('en-US')} rows`, () => runQuery(ctx));
  await run('vtid', `6 VTID: ${settings.vtid.creates} concurrent creates, one and two instances`, () => runVtid(ctx));
  await run('coldStart', `7 cold start: spawn to the first 200 on /readyz`, () => runColdStart(ctx));
  await run('metrics', `8 metrics: the four keys over 90 days of ${settings.metrics.rows.toLocaleString('en-US')} rows`, () => runMetrics(ctx));

  const wallSeconds = (performance.now() - t0) / 1000;
  const loadAverageAtEnd = loadavg().map((x) => Math.round(x * 100) / 100);
  const table = buildTable(scenarios, errors, wanted);
  const passed = checksPassed(table);
  const results: BenchResults = {
    version: 1,
    scale: settings.scale,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    wallSeconds: Math.round(wallSeconds),
    machine,
    loadAverageAtEnd,
    settings,
    scenarios,
    errors,
    table,
    checksPassed: passed,
  };
  const file = resultsPath(settings.scale);
  writeResults(file, results);
  const tableText = formatTable(table);
  const machineText = formatMachine(machine, wallSeconds, settings.scale, loadAverageAtEnd);
  process.stdout.write(`\n${tableText}\n\n${machineText}\n`);
  if (process.argv.includes('--update-readme')) {
    if (updateReadme(join(REPO_ROOT, 'README.md'), tableText, machineText)) log('README.md: Performance table replaced');
    else log('README.md has no bench table markers; left as it is');
  }
  log(`results: ${file}`);
  if (!passed) {
    log('a correctness check failed (see the check column and results.json)');
    exitCode = 1;
  }
} catch (error) {
  log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  exitCode = 2;
} finally {
  await cleanup();
}
process.exit(exitCode);

