import type { Argv } from 'yargs';
import { durationProblem, loadConfig, parseDuration, parseInstant, resolveConfig, TIMER_MAX_MS, WINDOW_MAX_MS, type Config, type ModelConfig } from '../config/index.js';
import type { Progress } from '../engine/index.js';
import type { BatchRun, PushTarget } from '../exporter/index.js';
import { formatReport, FORMATS, printable, type Format, type ModelReport, type Report } from '../report/index.js';
import { EXIT, UsageError } from './errors.js';
import type { Command } from './index.js';

function options(y: Argv) {
  return y
    .option('config', { alias: 'c', type: 'string', describe: 'YAML config file (see config/example.yaml)' })
    .option('model', { alias: 'm', type: 'string', array: true, describe: 'Only these models (repeatable; default: all)' })
    .option('as-of', { type: 'string', describe: 'End of the window, ISO-8601 (default: the model\'s as_of, else now)' })
    .option('baseline', { type: 'string', describe: 'Ad hoc: baseline Parquet file, glob or hive directory' })
    .option('window', { type: 'string', describe: 'Ad hoc: window Parquet file, glob or hive directory' })
    .option('features', { type: 'string', describe: 'Ad hoc: comma-separated features (default: every baseline column)' })
    .option('categorical', { type: 'string', describe: 'Ad hoc: comma-separated features to compare as categorical (needs --features)' })
    .option('prediction', { type: 'string', describe: 'Ad hoc: comma-separated prediction columns' })
    .option('timestamp-column', { type: 'string', describe: 'Ad hoc: column that places each row in time' })
    .option('window-duration', { type: 'string', describe: 'Ad hoc: window length, e.g. 1h, 1d (default 1d)' })
    .option('id-columns', { type: 'string', describe: 'Ad hoc: comma-separated id columns, never compared as features' })
    .option('segment-by', { type: 'string', describe: 'Ad hoc: comma-separated columns whose values split the window into segments, each compared like the whole window' })
    .option('baseline-from', { type: 'string', describe: 'Ad hoc: the reference is the baseline rows in (from, to], ISO-8601 (needs --baseline-to, --timestamp-column)' })
    .option('baseline-to', { type: 'string', describe: 'Ad hoc: end of the fixed reference range, ISO-8601 (needs --baseline-from)' })
    .option('baseline-offset', { type: 'string', describe: 'Ad hoc: the reference ends this long before the window\'s end, e.g. 7d (needs --timestamp-column)' })
    .option('baseline-duration', { type: 'string', describe: 'Ad hoc: length of the --baseline-offset reference (default: the window duration)' })
    .option('from', { type: 'string', describe: 'Over time: the first window end, ISO-8601 (with --to and --every)' })
    .option('to', { type: 'string', describe: 'Over time: the last window end, ISO-8601; included when it falls on a step' })
    .option('every', { type: 'string', describe: 'Over time: the step between window ends, e.g. 1d' })
    .option('format', { alias: 'f', choices: FORMATS, default: 'table' as Format, describe: 'Output format (html: one self-contained page with plots, no network request)' })
    .option('fail-on-drift', { type: 'boolean', default: false, describe: 'Exit 1 when any model drifted or has features that could not be compared' })
    .option('progress', { type: 'boolean', describe: 'Progress on stderr (default: when stderr is a TTY)' })
    .option('push-gateway', { type: 'string', describe: "Batch mode: push each model's metrics to this Pushgateway (its root URL; user:password@ for basic auth), one group per job and model" })
    .option('push-job', { type: 'string', default: 'drift-exporter', describe: 'Batch mode: the job label of the pushed groups' })
    .option('push-timeout', { type: 'string', default: '10s', describe: 'Batch mode: bound on each push request' })
    .option('textfile', { type: 'string', describe: "Batch mode: write the metrics to this *.prom file (atomically) for node_exporter's textfile collector" })
    .conflicts('config', ['baseline', 'window', 'features', 'categorical', 'prediction', 'timestamp-column', 'window-duration', 'id-columns', 'segment-by', 'baseline-from', 'baseline-to', 'baseline-offset', 'baseline-duration'])
    .conflicts('baseline-from', ['baseline-offset', 'baseline-duration'])
    .conflicts('baseline-to', ['baseline-offset', 'baseline-duration'])
    .conflicts('as-of', ['from', 'to', 'every'])
    .example('$0 report --config config/example.yaml', 'report every model of a config')
    .example('$0 report --baseline train.parquet --window "logs/*.parquet" --format json', 'ad hoc, no config file')
    .example('$0 report -c config/example.yaml --fail-on-drift', 'exit 1 when a model drifted (CI gate)')
    .example('$0 report --baseline "logs/*.parquet" --window "logs/*.parquet" --timestamp-column ts --baseline-offset 7d', 'compare the last day with the same day a week earlier')
    .example('$0 report -c drift.yaml --from 2026-01-01 --to 2026-01-31 --every 1d', 'drift over time: one window per day')
    .example('$0 report -c drift.yaml --push-gateway http://pushgateway:9091', 'batch mode (cron, CronJob, Airflow): publish what serve would');
}

type ReportArgs = Awaited<ReturnType<typeof options>['argv']>;

const list = (s: string | undefined) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : undefined);

/** Builds the config of an ad hoc run from the flags, validated like a file. */
export function adHocConfig(a: ReportArgs): Config {
  if (!a.baseline || !a.window) throw new UsageError('give --config FILE, or both --baseline and --window');
  const features = list(a.features);
  const categorical = list(a.categorical) ?? [];
  if (categorical.length && !features) throw new UsageError('--categorical needs --features');
  const duration = a['window-duration'];
  if (duration !== undefined) {
    const problem = durationProblem(duration, WINDOW_MAX_MS);
    if (problem) throw new UsageError(`--window-duration: ${problem} (found "${duration}")`);
    if (!a['timestamp-column']) throw new UsageError('--window-duration needs --timestamp-column: without one the whole window is compared');
  }
  const from = a['baseline-from'];
  const to = a['baseline-to'];
  const offset = a['baseline-offset'];
  const refDuration = a['baseline-duration'];
  if ((from === undefined) !== (to === undefined)) throw new UsageError('--baseline-from and --baseline-to go together: the reference is the range (from, to]');
  if (refDuration !== undefined && offset === undefined) throw new UsageError('--baseline-duration needs --baseline-offset');
  const ranged = from !== undefined || offset !== undefined;
  if (ranged && !a['timestamp-column']) throw new UsageError(`${from !== undefined ? '--baseline-from' : '--baseline-offset'} needs --timestamp-column: it places the baseline's rows in time`);
  const baseline = !ranged
    ? a.baseline
    : { source: a.baseline, ...(from !== undefined ? { from, to } : { offset, ...(refDuration !== undefined ? { duration: refDuration } : {}) }) };
  const raw = {
    models: [
      {
        name: 'adhoc',
        baseline,
        window: a.window,
        ...(a['timestamp-column'] ? { timestamp_column: a['timestamp-column'] } : {}),
        ...(duration !== undefined ? { window_duration: duration } : {}),
        ...(features ? { features: Object.fromEntries(features.map((f) => [f, categorical.includes(f) ? 'categorical' : 'auto'])) } : {}),
        ...(a.prediction ? { prediction_columns: list(a.prediction) } : {}),
        ...(a['id-columns'] ? { id_columns: list(a['id-columns']) } : {}),
        ...(list(a['segment-by']) ? { segment_by: list(a['segment-by']) } : {}),
      },
    ],
  };
  return resolveConfig(raw, 'command line', process.cwd());
}

/** `--as-of` (or another instant flag), read exactly like a config's `as_of` (UTC unless a zone is given). */
function parseAsOf(text: string | undefined, flag = '--as-of'): Date | undefined {
  if (text === undefined) return undefined;
  try {
    return parseInstant(text);
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message} (found "${text}")`, { cause: err });
  }
}

/** More steps than this is a mistyped --every, not a history. */
const MAX_STEPS = 10_000;

/**
 * The window ends of an over-time run: from, from + every, ... up to `to`,
 * which is included when it falls on a step. Undefined without --from/--to/--every.
 */
export function overTimeSteps(a: Pick<ReportArgs, 'from' | 'to' | 'every'>): Date[] | undefined {
  if (a.from === undefined && a.to === undefined && a.every === undefined) return undefined;
  if (a.from === undefined || a.to === undefined || a.every === undefined) throw new UsageError('--from, --to and --every go together: the window ends from, from + every, ... up to to');
  const from = parseAsOf(a.from, '--from')!;
  const to = parseAsOf(a.to, '--to')!;
  const every = parseDuration(a.every, WINDOW_MAX_MS);
  if (every === null) throw new UsageError(`--every: ${durationProblem(a.every, WINDOW_MAX_MS)} (found "${a.every}")`);
  if (from.getTime() > to.getTime()) throw new UsageError(`--from ${from.toISOString()} is after --to ${to.toISOString()}`);
  const count = Math.floor((to.getTime() - from.getTime()) / every) + 1;
  if (count > MAX_STEPS) throw new UsageError(`--from/--to/--every: ${count} steps, at most ${MAX_STEPS}; take a longer --every`);
  return Array.from({ length: count }, (_, k) => new Date(from.getTime() + k * every));
}

function progressLine(p: Progress, prefix = ''): void {
  process.stderr.write(`\r\x1b[K${prefix}${p.model}: ${p.step} (${p.done}/${p.total})${p.step === 'done' ? '\n' : ''}`);
}

/** One model's run: its report, or the error it failed with. */
interface Ran {
  model: ModelConfig;
  report: ModelReport | null;
  error?: unknown;
  durationS: number;
  endedAt: Date;
}

/** Where a batch run publishes, from the flags, checked before any model runs. */
interface Outputs {
  push?: PushTarget;
  textfile?: string;
}

async function outputs(a: ReportArgs): Promise<Outputs | null> {
  const url = a['push-gateway'];
  const textfile = a.textfile;
  if (url === undefined && textfile === undefined) return null;
  const { checkTextfilePath, pushTarget } = await import('../exporter/index.js');
  const out: Outputs = {};
  if (url !== undefined) {
    const timeout = a['push-timeout'];
    const timeoutMs = parseDuration(timeout, TIMER_MAX_MS);
    if (timeoutMs === null) throw new UsageError(`--push-timeout: ${durationProblem(timeout, TIMER_MAX_MS)} (found "${timeout}")`);
    try {
      out.push = pushTarget(url, a['push-job'], timeoutMs);
    } catch (err) {
      throw new UsageError(`--push-gateway: ${(err as Error).message}`, { cause: err });
    }
  }
  if (textfile !== undefined) {
    try {
      checkTextfilePath(textfile);
    } catch (err) {
      throw new UsageError(`--textfile: ${(err as Error).message}`, { cause: err });
    }
    out.textfile = textfile;
  }
  return out;
}

/**
 * `report`: prints the drift report; exit 1 on drift with --fail-on-drift.
 * In batch mode (--push-gateway, --textfile) every model runs even when
 * another fails, each run's outcome is published, and any failure exits 2.
 */
async function run(a: ReportArgs): Promise<number> {
  // The engine loads first and DuckDB opens its instance while the config is read and checked.
  const { runModel, startDuck } = await import('../engine/index.js');
  startDuck();
  const config = a.config ? loadConfig(a.config) : adHocConfig(a);
  const names = a.model ?? [];
  const unknown = names.filter((n) => !config.models.some((m) => m.name === n));
  if (unknown.length) throw new UsageError(`--model ${unknown.join(', ')}: not in ${config.file}; models: ${config.models.map((m) => m.name).join(', ')}`);
  const steps = overTimeSteps(a);
  if (steps && (a['push-gateway'] !== undefined || a.textfile !== undefined)) throw new UsageError('--from/--to/--every print a history; they do not publish (drop --push-gateway, --textfile)');
  const batch = await outputs(a);
  const showProgress = a.progress ?? Boolean(process.stderr.isTTY);
  const asOf = parseAsOf(a['as-of']);
  const selected = names.length ? config.models.filter((m) => names.includes(m.name)) : config.models;
  if (steps) return overTime(selected, steps, a, showProgress, runModel);
  const runs: Ran[] = [];
  for (const model of selected) {
    const started = performance.now();
    let report: ModelReport | null = null;
    let error: unknown;
    try {
      report = await runModel(model, { asOf, onProgress: showProgress ? progressLine : undefined });
    } catch (err) {
      // Without a batch output a failure ends the report, as it always has.
      if (!batch) throw err;
      error = err;
    }
    runs.push({ model, report, error, durationS: (performance.now() - started) / 1000, endedAt: new Date() });
  }
  const models = runs.flatMap((r) => (r.report ? [r.report] : []));
  process.stdout.write(await formatted({ generated_at: new Date().toISOString(), models }, a.format, false));

  let failed = false;
  if (batch) {
    for (const r of runs) {
      if (r.report) continue;
      failed = true;
      process.stderr.write(`drift-exporter: model ${printable(r.model.name)}: run failed: ${r.error instanceof Error ? r.error.message : String(r.error)}\n`);
    }
    failed = !(await publish(batch, await batchRuns(runs))) || failed;
  }
  if (failed) return EXIT.error;
  // No data is its own outcome, never a pass; a gate fails on drift and on features that could not be compared.
  if (models.some((m) => m.status === 'no_data')) return EXIT.noData;
  return a['fail-on-drift'] && models.some((m) => m.drift || m.feature_errors > 0) ? EXIT.drift : EXIT.ok;
}

/**
 * Over-time mode: every model at each step, in step order. A fixed baseline
 * or reference range is profiled once for all steps (the process's profile
 * cache); a moving reference reads its own range at each step.
 */
async function overTime(models: readonly ModelConfig[], steps: readonly Date[], a: ReportArgs, showProgress: boolean, runModel: typeof import('../engine/index.js').runModel): Promise<number> {
  const reports: ModelReport[] = [];
  for (const [k, asOf] of steps.entries()) {
    const prefix = `step ${k + 1}/${steps.length} ${asOf.toISOString()}: `;
    for (const model of models) reports.push(await runModel(model, { asOf, onProgress: showProgress ? (p) => progressLine(p, prefix) : undefined }));
  }
  process.stdout.write(await formatted({ generated_at: new Date().toISOString(), models: reports }, a.format, true));
  if (reports.some((m) => m.status === 'no_data')) return EXIT.noData;
  return a['fail-on-drift'] && reports.some((m) => m.drift || m.feature_errors > 0) ? EXIT.drift : EXIT.ok;
}

/** The report in the chosen format; the HTML renderer (and its charting library) is loaded only for html. */
async function formatted(report: Report, format: Format, overTime: boolean): Promise<string> {
  if (format === 'html') {
    const { renderHtml } = await import('../report/html/index.js');
    return renderHtml({ report, title: overTime ? 'drift-exporter: drift over time' : 'drift-exporter report', overTime });
  }
  if (!overTime) return formatReport(report, format);
  const { formatOverTime } = await import('./over-time.js');
  return formatOverTime(report, format);
}

/** The runs as the exporter publishes them, with what each model's config says of its schedule. */
async function batchRuns(runs: readonly Ran[]): Promise<BatchRun[]> {
  const { scheduleIntervalSeconds } = await import('../schedule/index.js');
  return runs.map((r) => ({
    model: r.model.name,
    report: r.report,
    outcome: { ok: r.report !== null, durationS: r.durationS, endedAt: r.endedAt },
    schedule: { intervalS: scheduleIntervalSeconds(r.model.schedule), timeoutS: r.model.runTimeoutMs / 1000, maxLogLagS: r.model.maxLogLagMs / 1000 },
  }));
}

/** Pushes every run and writes the textfile; prints each failure and returns false when any happened. */
async function publish(out: Outputs, runs: BatchRun[]): Promise<boolean> {
  const { pushRun, writeTextfile } = await import('../exporter/index.js');
  let ok = true;
  const fail = (what: string, err: unknown) => {
    ok = false;
    process.stderr.write(`drift-exporter: ${what}: ${err instanceof Error ? err.message : String(err)}\n`);
  };
  if (out.push) {
    for (const r of runs) {
      try {
        await pushRun(out.push, r);
      } catch (err) {
        fail(`push of model ${printable(r.model)} failed`, err);
      }
    }
  }
  if (out.textfile) {
    try {
      await writeTextfile(out.textfile, runs);
    } catch (err) {
      fail('--textfile', err);
    }
  }
  return ok;
}

/** The `report` command. */
export const command: Command = { options, run };
