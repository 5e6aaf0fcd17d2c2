import type { Argv } from 'yargs';
import { durationProblem, loadConfig, parseDuration, parseInstant, resolveConfig, TIMER_MAX_MS, WINDOW_MAX_MS, type Config, type ModelConfig } from '../config/index.js';
import type { Progress } from '../engine/index.js';
import type { BatchRun, PushTarget } from '../exporter/index.js';
import { formatReport, FORMATS, printable, type Format, type ModelReport } from '../report/index.js';
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
    .option('format', { alias: 'f', choices: FORMATS, default: 'table' as Format, describe: 'Output format' })
    .option('fail-on-drift', { type: 'boolean', default: false, describe: 'Exit 1 when any model drifted or has features that could not be compared' })
    .option('progress', { type: 'boolean', describe: 'Progress on stderr (default: when stderr is a TTY)' })
    .option('push-gateway', { type: 'string', describe: "Batch mode: push each model's metrics to this Pushgateway (its root URL; user:password@ for basic auth), one group per job and model" })
    .option('push-job', { type: 'string', default: 'drift-exporter', describe: 'Batch mode: the job label of the pushed groups' })
    .option('push-timeout', { type: 'string', default: '10s', describe: 'Batch mode: bound on each push request' })
    .option('textfile', { type: 'string', describe: "Batch mode: write the metrics to this *.prom file (atomically) for node_exporter's textfile collector" })
    .conflicts('config', ['baseline', 'window', 'features', 'categorical', 'prediction', 'timestamp-column', 'window-duration'])
    .example('$0 report --config config/example.yaml', 'report every model of a config')
    .example('$0 report --baseline train.parquet --window "logs/*.parquet" --format json', 'ad hoc, no config file')
    .example('$0 report -c config/example.yaml --fail-on-drift', 'exit 1 when a model drifted (CI gate)')
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
  const raw = {
    models: [
      {
        name: 'adhoc',
        baseline: a.baseline,
        window: a.window,
        ...(a['timestamp-column'] ? { timestamp_column: a['timestamp-column'] } : {}),
        ...(duration !== undefined ? { window_duration: duration } : {}),
        ...(features ? { features: Object.fromEntries(features.map((f) => [f, categorical.includes(f) ? 'categorical' : 'auto'])) } : {}),
        ...(a.prediction ? { prediction_columns: list(a.prediction) } : {}),
      },
    ],
  };
  return resolveConfig(raw, 'command line', process.cwd());
}

/** `--as-of`, read exactly like a config's `as_of` (UTC unless a zone is given). */
function parseAsOf(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  try {
    return parseInstant(text);
  } catch (err) {
    throw new UsageError(`--as-of: ${(err as Error).message} (found "${text}")`, { cause: err });
  }
}

function progressLine(p: Progress): void {
  process.stderr.write(`\r\x1b[K${p.model}: ${p.step} (${p.done}/${p.total})${p.step === 'done' ? '\n' : ''}`);
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
  const config = a.config ? loadConfig(a.config) : adHocConfig(a);
  const names = a.model ?? [];
  const unknown = names.filter((n) => !config.models.some((m) => m.name === n));
  if (unknown.length) throw new UsageError(`--model ${unknown.join(', ')}: not in ${config.file}; models: ${config.models.map((m) => m.name).join(', ')}`);
  const batch = await outputs(a);
  const showProgress = a.progress ?? Boolean(process.stderr.isTTY);
  const { runModel } = await import('../engine/index.js');
  const asOf = parseAsOf(a['as-of']);
  const selected = names.length ? config.models.filter((m) => names.includes(m.name)) : config.models;
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
  process.stdout.write(formatReport({ generated_at: new Date().toISOString(), models }, a.format));

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
