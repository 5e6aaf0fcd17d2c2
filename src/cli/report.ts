import type { Argv } from 'yargs';
import { durationProblem, loadConfig, parseInstant, resolveConfig, WINDOW_MAX_MS, type Config } from '../config/index.js';
import type { Progress } from '../engine/index.js';
import { formatReport, FORMATS, type Format } from '../report/index.js';
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
    .conflicts('config', ['baseline', 'window', 'features', 'categorical', 'prediction', 'timestamp-column', 'window-duration'])
    .example('$0 report --config config/example.yaml', 'report every model of a config')
    .example('$0 report --baseline train.parquet --window "logs/*.parquet" --format json', 'ad hoc, no config file')
    .example('$0 report -c config/example.yaml --fail-on-drift', 'exit 1 when a model drifted (CI gate)');
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

/** `report`: prints the drift report; exit 1 on drift with --fail-on-drift. */
async function run(a: ReportArgs): Promise<number> {
  const config = a.config ? loadConfig(a.config) : adHocConfig(a);
  const names = a.model ?? [];
  const unknown = names.filter((n) => !config.models.some((m) => m.name === n));
  if (unknown.length) throw new UsageError(`--model ${unknown.join(', ')}: not in ${config.file}; models: ${config.models.map((m) => m.name).join(', ')}`);
  const showProgress = a.progress ?? Boolean(process.stderr.isTTY);
  const { buildReport } = await import('../engine/index.js');
  const report = await buildReport(config, { models: names, asOf: parseAsOf(a['as-of']), onProgress: showProgress ? progressLine : undefined });
  process.stdout.write(formatReport(report, a.format));
  // No data is its own outcome, never a pass; a gate fails on drift and on features that could not be compared.
  if (report.models.some((m) => m.status === 'no_data')) return EXIT.noData;
  return a['fail-on-drift'] && report.models.some((m) => m.drift || m.feature_errors > 0) ? EXIT.drift : EXIT.ok;
}

/** The `report` command. */
export const command: Command = { options, run };
