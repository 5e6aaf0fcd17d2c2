import { readFileSync } from 'node:fs';
import yargs, { type Argv } from 'yargs';
import { TESTS } from '../stats/index.js';
import { checkCommand, checkOptions } from './check.js';
import { EXIT, reportError, UsageError } from './errors.js';
import { reportCommand, reportOptions } from './report.js';
import { serveCommand, serveOptions } from './serve.js';

/** The package version, read once from package.json. */
export const VERSION: string = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version;

const testsHelp = TESTS.map((t) => `  ${t.id.padEnd(12)} ${t.description} (${t.appliesTo.join(', ')}; default threshold ${t.defaultThreshold})`).join('\n');

/** Parses argv, runs the command, and returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const verbose = argv.includes('--verbose');
  const guard =
    <A>(fn: (a: A) => Promise<number>) =>
    async (a: A) => {
      try {
        code = await fn(a);
      } catch (err) {
        code = reportError(err, verbose);
      }
    };
  const cli = (yargs(argv) as Argv)
    .scriptName('drift-exporter')
    // --web.config.file is one flag, as in Prometheus' exporters, not a nested object.
    .parserConfiguration({ 'dot-notation': false })
    .usage('$0 <command> [options]\n\nCompares logged prediction windows with training baselines (Parquet, via DuckDB) and reports per-feature data drift, once (report) or as Prometheus gauges (serve).')
    .command('serve', 'Run the exporter: scheduled drift runs published on /metrics', serveOptions, guard(serveCommand))
    .command('report', 'Print a one-shot drift report (table, JSON or Markdown)', reportOptions, guard(reportCommand))
    .command('check', 'Validate a config and check that every source it names is readable', checkOptions, guard(checkCommand))
    .option('verbose', { type: 'boolean', default: false, describe: 'Show stack traces on errors' })
    .demandCommand(1, 'Give a command: serve, report or check.')
    .strict()
    .epilog(`Tests (thresholds: a p-value drifts below, a distance at or above):\n${testsHelp}\n\nExit codes: 0 ok, 1 drift (report --fail-on-drift), 2 usage, config or data error.\nDocs: README.md`)
    .wrap(Math.min(100, process.stdout.columns || 80))
    .version(VERSION)
    .help()
    .fail((msg, err) => {
      throw err ?? new UsageError(msg);
    });
  try {
    await cli.parseAsync();
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`drift-exporter: ${err.message}\nRun "drift-exporter --help" for usage.\n`);
      return EXIT.error;
    }
    return reportError(err, verbose);
  }
  return code;
}
