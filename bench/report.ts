import { readFileSync, writeFileSync } from 'node:fs';
import type { MachineInfo } from './lib/machine.js';
import type { BenchSettings } from './lib/settings.js';
import type { ColdStartResult } from './scenarios/cold-start.js';
import type { FanoutScenarioResult } from './scenarios/fanout.js';
import { BODY_SIZES, type IngestResult, type SizeResult } from './scenarios/ingest.js';
import type { LiveScenarioResult } from './scenarios/live.js';
import type { MetricsScenarioResult } from './scenarios/metrics.js';
import type { QueryResult } from './scenarios/query.js';
import type { VtidRun } from './scenarios/vtid.js';

/**
 * The one table of `npm run bench` (scenario, figure, peer figure, ratio, target, met / not met, and
 * the correctness check behind the row) and the results.json document with every raw number.
 */

export interface ScenarioResults {
  ingest?: IngestResult;
  ingestTwoInstances?: IngestResult;
  liveLatency?: LiveScenarioResult;
  fanout?: FanoutScenarioResult;
  query?: QueryResult;
  vtid?: { one: VtidRun; two: VtidRun };
  coldStart?: ColdStartResult;
  metrics?: MetricsScenarioResult;
}

export type Verdict = 'met' | 'not met' | 'info' | 'CHECK FAILED' | 'skipped' | 'error';

export interface Row {
  scenario: string;
  figure: string;
  peer: string;
  ratio: string;
  target: string;
  result: Verdict;
  check: string;
}

export interface BenchResults {
  version: 1;
  scale: BenchSettings['scale'];
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
  machine: MachineInfo;
  /** 1, 5 and 15 minute load averages when the run ended (the cores are shared: was anything else busy?). */
  loadAverageAtEnd: number[];
  settings: BenchSettings;
  scenarios: ScenarioResults;
  errors: Record<string, string>;
  table: Row[];
  /** Every correctness check passed (acknowledged == stored, every answer good, ids distinct and gapless, every event delivered). */
  checksPassed: boolean;
}

const n0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');
const ms = (x: number) => (Number.isFinite(x) ? `${x < 10 ? Math.round(x * 10) / 10 : Math.round(x)} ms` : 'n/a');
const ratioText = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}x` : 'n/a');

function verdict(ok: boolean, met: boolean | null): Verdict {
  if (!ok) return 'CHECK FAILED';
  if (met === null) return 'skipped';
  return met ? 'met' : 'not met';
}

const ackCheck = (s: SizeResult | undefined) =>
  s ? `acked ${s.acknowledged.toLocaleString('en-US')} ${s.acknowledged === s.stored ? '=' : '≠'} stored ${s.stored.toLocaleString('en-US')}${s.ok ? '' : ' (refused/failed answers)'}` : '';

function ingestRows(rows: Row[], result: IngestResult | undefined, label: string, two: boolean, errors: Record<string, string>, key: string): void {
  if (!result) {
    rows.push({ scenario: label, figure: errors[key] ? 'error' : 'not run', peer: '', ratio: '', target: '', result: 'error', check: errors[key] ?? '' });
    return;
  }
  const { gateway, bare, octokit } = result.receivers;
  for (const size of BODY_SIZES) {
    const g = gateway.sizes[size.label];
    const scenario = `${label} ${size.label}`;
    const figure = g ? `gateway ${n0(g.median.perSecond)}/s p50 ${ms(g.median.p50)} p99 ${ms(g.median.p99)}` : 'n/a';
    for (const [peer, ratioTarget] of [
      [bare, 1.0],
      [octokit, two ? null : 1.5],
    ] as const) {
      const p = peer.sizes[size.label];
      if (!peer.available || !p || !g) {
        rows.push({ scenario, figure, peer: `${peer.kind}: ${peer.skipped ?? 'n/a'}`, ratio: 'n/a', target: ratioTarget ? `>= ${ratioTarget.toFixed(1)}x ${peer.kind}` : 'info', result: g ? verdict(g.ok, null) : 'error', check: ackCheck(g) });
        continue;
      }
      const ratio = g.median.perSecond / p.median.perSecond;
      const ok = g.ok && p.ok;
      rows.push({
        scenario,
        figure,
        peer: `${peer.kind} ${n0(p.median.perSecond)}/s p99 ${ms(p.median.p99)}`,
        ratio: ratioText(ratio),
        target: ratioTarget ? `>= ${ratioTarget.toFixed(1)}x ${peer.kind}` : 'info',
        result: ratioTarget ? verdict(ok, ratio >= ratioTarget) : ok ? 'info' : 'CHECK FAILED',
        check: `${ackCheck(g)}; ${peer.kind} ${ackCheck(p)}`,
      });
    }
    if (two && g) {
      rows.push({ scenario, figure: `gateway p99 ${ms(g.median.p99)}`, peer: '', ratio: '', target: 'p99 < 100 ms', result: verdict(g.ok, g.median.p99 < 100), check: ackCheck(g) });
    }
  }
}

export function buildTable(s: ScenarioResults, errors: Record<string, string>, wanted: (key: keyof ScenarioResults) => boolean = () => true): Row[] {
  const rows: Row[] = [];
  const missing = (scenario: string, key: keyof ScenarioResults) =>
    wanted(key) &&
    rows.push({ scenario, figure: errors[key] ? 'error' : 'not run', peer: '', ratio: '', target: '', result: 'error', check: errors[key]?.split('\n')[0] ?? '' });

  if (wanted('ingest')) ingestRows(rows, s.ingest, '1 ingest', false, errors, 'ingest');
  if (wanted('ingestTwoInstances')) ingestRows(rows, s.ingestTwoInstances, '2 two instances, 1 ms db', true, errors, 'ingestTwoInstances');

  const live = s.liveLatency;
  if (live) {
    rows.push({
      scenario: `3 live latency ${live.rate}/s A->B`,
      figure: `p50 ${ms(live.median.p50)} p99 ${ms(live.median.p99)}`,
      peer: '',
      ratio: '',
      target: 'p99 < 50 ms',
      result: verdict(live.ok, live.median.p99 < 50),
      check: `sent ${live.sent}, acked ${live.acknowledged}, received ${live.received}, stored ${live.stored}; A's answer p99 ${ms(live.median.ackP99)}`,
    });
  } else missing('3 live latency', 'liveLatency');

  const fan = s.fanout;
  if (fan) {
    const check = `${fan.connected}/${fan.clients} clients, ${fan.delivered.toLocaleString('en-US')}/${fan.expectedDeliveries.toLocaleString('en-US')} deliveries`;
    rows.push({ scenario: `4 fan-out ${fan.clients} clients`, figure: `p50 ${ms(fan.median.p50)} p99 ${ms(fan.median.p99)}`, peer: '', ratio: '', target: 'p99 < 250 ms', result: verdict(fan.ok, fan.median.p99 < 250), check });
    rows.push({ scenario: `4 fan-out ${fan.clients} clients`, figure: `peak RSS ${Math.round(fan.median.peakRssMiB)} MiB`, peer: '', ratio: '', target: 'RSS < 256 MiB', result: verdict(fan.ok, fan.median.peakRssMiB < 256), check: `VmHWM per round ${fan.rounds.map((r) => Math.round(r.peakRssMiB)).join(' / ')} MiB; idle ${Math.round(fan.median.rssIdleMiB)} MiB` });
  } else missing('4 fan-out', 'fanout');

  const q = s.query;
  if (q) {
    for (const shape of q.shapes) {
      rows.push({
        scenario: `5 query ${shape.name}, ${n0(q.rows)} rows`,
        figure: `p50 ${ms(shape.latencyMs.p50)} p95 ${ms(shape.latencyMs.p95)}`,
        peer: '',
        ratio: '',
        target: 'p95 < 10 ms',
        result: verdict(shape.failed === 0, shape.latencyMs.p95 < 10),
        check: `${shape.requests} requests, ${shape.failed} failed, ${shape.rowsInPage} rows/page`,
      });
    }
  } else missing('5 query', 'query');

  if (s.vtid) {
    for (const run of [s.vtid.one, s.vtid.two]) {
      rows.push({
        scenario: `6 vtid ${run.creates} concurrent, ${run.instances} instance${run.instances > 1 ? 's' : ''}`,
        figure: `${n0(run.perSecond)} creates/s`,
        peer: '',
        ratio: '',
        target: '>= 1000/s, no dup/gap',
        result: verdict(run.ok, run.perSecond >= 1000),
        check: `${run.created} created, ${run.duplicates} dup, ${run.gaps} gaps, ${run.firstVtid}..${run.lastVtid}`,
      });
    }
  } else missing('6 vtid', 'vtid');

  const cold = s.coldStart;
  if (cold) {
    rows.push({ scenario: '7 cold start', figure: `${ms(cold.medianMs)} (median of ${cold.runs.length})`, peer: '', ratio: '', target: '< 500 ms', result: verdict(true, cold.medianMs < 500), check: cold.runs.map((x) => `${x}`).join(' / ') + ' ms' });
  } else missing('7 cold start', 'coldStart');

  const m = s.metrics;
  if (m) {
    for (const shape of m.shapes) {
      rows.push({
        scenario: `8 metrics ${shape.name}, ${n0(m.rows)} rows`,
        figure: `p50 ${ms(shape.latencyMs.p50)} p95 ${ms(shape.latencyMs.p95)}`,
        peer: '',
        ratio: '',
        target: 'p95 < 200 ms',
        result: verdict(shape.failed === 0, shape.latencyMs.p95 < 200),
        check: `${shape.requests} requests, ${shape.failed} failed; ${n0(m.rollouts)} rollouts, ${n0(m.changeStarts)} change starts`,
      });
    }
  } else missing('8 metrics', 'metrics');
  return rows;
}

const HEADERS: Array<[keyof Row, string]> = [
  ['scenario', 'scenario'],
  ['figure', 'figure'],
  ['peer', 'peer figure'],
  ['ratio', 'ratio'],
  ['target', 'target'],
  ['result', 'met / not met'],
  ['check', 'check'],
];

/** A Markdown table, aligned for the terminal too. */
export function formatTable(rows: Row[]): string {
  const widths = HEADERS.map(([key, title]) => Math.max(title.length, ...rows.map((r) => r[key].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(HEADERS.map(([, t]) => t)), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map((r) => line(HEADERS.map(([k]) => r[k])))].join('\n');
}

export function formatMachine(m: MachineInfo, wallSeconds: number, scale: string, loadAverageAtEnd: number[]): string {
  return (
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Linux ${m.kernel}; node ${m.node}; ${m.postgres} (local, fsync on); ` +
    `load average at start ${m.loadAverageAtStart.join(' ')}, at end ${loadAverageAtEnd.join(' ')}; commit ${m.gitCommit ?? 'n/a'}; ${m.date}; scale ${scale}; wall time ${Math.round(wallSeconds)} s`
  );
}

export function checksPassed(rows: Row[]): boolean {
  return rows.every((r) => r.result !== 'CHECK FAILED' && r.result !== 'error');
}

export function writeResults(file: string, results: BenchResults): void {
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
}

const START = '<!-- bench:table:start -->';
const END = '<!-- bench:table:end -->';

/** Replaces the table between the README's bench markers (`npm run bench -- --update-readme`). */
export function updateReadme(file: string, table: string, machine: string): boolean {
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) return false;
  writeFileSync(file, `${text.slice(0, start + START.length)}\n${table}\n\n${machine}\n${text.slice(end)}`);
  return true;
}
