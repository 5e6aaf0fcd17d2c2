/**
 * The command line. Only the command being run is imported, and each
 * command imports the engine, the exporter or the scheduler only in its
 * handler: `--help`, `--version` and config checks never load DuckDB's
 * native library or the WebAssembly kernels.
 */
import yargs, { type Argv } from 'yargs';
import { TESTS } from '../stats/index.js';
import { EXIT, reportError, UsageError } from './errors.js';
import { VERSION } from './version.js';

/** A command module: its options, and its handler, which takes the parsed options and returns the exit code. */
export interface Command {
  options(y: Argv): Argv<any>;
  run(a: any): Promise<number>;
}

const COMMANDS = {
  serve: { describe: 'Run the exporter: scheduled drift runs published on /metrics', load: () => import('./serve.js') },
  report: { describe: 'Print a one-shot drift report (table, JSON or Markdown)', load: () => import('./report.js') },
  check: { describe: 'Validate a config and check that every source it names is readable', load: () => import('./check.js') },
} as const satisfies Record<string, { describe: string; load: () => Promise<{ command: Command }> }>;

const testsHelp = TESTS.map((t) => `  ${t.id.padEnd(12)} ${t.description} (${t.appliesTo.join(', ')}; default threshold ${t.defaultThreshold})`).join('\n');

/** Parses argv, runs the command, and returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const verbose = argv.includes('--verbose');
  const name = argv.find((a) => !a.startsWith('-'));
  const selected = name && name in COMMANDS ? (await COMMANDS[name as keyof typeof COMMANDS].load()).command : null;
  let cli = (yargs(argv) as Argv)
    .scriptName('drift-exporter')
    // --web.config.file is one flag, as in Prometheus' exporters, not a nested object.
    .parserConfiguration({ 'dot-notation': false })
    .usage('$0 <command> [options]\n\nCompares logged prediction windows with training baselines (Parquet, via DuckDB) and reports per-feature data drift, once (report) or as Prometheus gauges (serve).');
  for (const [cmd, c] of Object.entries(COMMANDS)) {
    if (cmd === name && selected) {
      cli = cli.command(cmd, c.describe, (y) => selected.options(y), async (a) => {
        try {
          code = await selected.run(a);
        } catch (err) {
          code = reportError(err, verbose);
        }
      });
    } else cli = cli.command(cmd, c.describe);
  }
  cli = cli
    .option('verbose', { type: 'boolean', default: false, describe: 'Show stack traces on errors' })
    .demandCommand(1, 'Give a command: serve, report or check.')
    .strict()
    .epilog(`Tests (thresholds: a p-value drifts below, a distance at or above):\n${testsHelp}\n\nExit codes: 0 ok; 1 drift or features in error (report --fail-on-drift); 2 usage, config or data error;
3 no data (an empty window or baseline, or no feature could be compared).\nDocs: README.md`)
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
