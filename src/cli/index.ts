/**
 * The command line. Only the command being run is imported, and each
 * command imports the engine, the exporter or the scheduler only in its
 * handler: `--help`, `--version` and config checks never load DuckDB's
 * native library or the WebAssembly kernels. `--version` and the usual help
 * pages (help.ts) do not even load yargs.
 */
import type { Argv } from 'yargs';
import { EXIT, reportError, UsageError } from './errors.js';
import { cachedHelp, helpWidth } from './help.js';
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

type Name = keyof typeof COMMANDS;

/** The command names, for help.ts. */
export const COMMAND_NAMES = Object.keys(COMMANDS) as Name[];

/** The first word of the command line, when it names a command. */
function commandOf(argv: readonly string[]): Name | null {
  const name = argv.find((a) => !a.startsWith('-'));
  return name && name in COMMANDS ? (name as Name) : null;
}

/** The parser of a command line: every option, description and help text of the CLI comes from here (`forHelp` false: a run, which skips yargs' help render). */
export async function parser(argv: readonly string[], width: number, forHelp = true): Promise<Argv> {
  const [{ default: yargs }, { TESTS }] = await Promise.all([import('yargs'), import('../stats/index.js')]);
  const name = commandOf(argv);
  const selected = name ? (await COMMANDS[name].load()).command : null;
  const testsHelp = TESTS.map((t) => `  ${t.id.padEnd(12)} ${t.description} (${t.appliesTo.join(', ')}; default threshold ${t.defaultThreshold})`).join('\n');
  let cli = (yargs([...argv]) as Argv)
    .scriptName('drift-exporter')
    // --web.config.file is one flag, as in Prometheus' exporters, not a nested object.
    .parserConfiguration({ 'dot-notation': false })
    .usage('$0 <command> [options]\n\nCompares logged prediction windows with training baselines (Parquet, via DuckDB) and reports per-feature data drift, once (report) or as Prometheus gauges (serve).');
  // The command runs after parsing, not as yargs' handler. Yargs still gives each command a no-op handler and
  // renders the command's whole help for it (~40-80 ms) whether or not it is ever shown; a run that asks for
  // no help skips that render (the help itself is rendered afresh when it is asked for).
  for (const [cmd, c] of Object.entries(COMMANDS)) {
    cli = cmd === name && selected ? cli.command(cmd, c.describe, (y) => (forHelp || skipHelpCache(y), selected.options(y))) : cli.command(cmd, c.describe);
  }
  return cli
    .option('verbose', { type: 'boolean', default: false, describe: 'Show stack traces on errors' })
    .demandCommand(1, 'Give a command: serve, report or check.')
    .strict()
    .epilog(`Tests (thresholds: a p-value drifts below, a distance at or above):\n${testsHelp}\n\nExit codes: 0 ok; 1 drift or features in error (report --fail-on-drift); 2 usage, config or data error;
3 no data (an empty window or baseline, or no feature could be compared).\nDocs: README.md`)
    .wrap(width)
    .version(VERSION)
    .help()
    .fail((msg, err) => {
      throw err ?? new UsageError(msg);
    });
}

/**
 * Stops yargs from rendering a command's help before its (no-op) handler: the render is kept only to be
 * shown later, and nothing here shows it, since a failure throws (see .fail) and --help exits before any
 * handler. Reaches into yargs' usage object; when that is absent the help is rendered as before.
 */
function skipHelpCache(y: Argv): void {
  const usage = (y as unknown as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: unknown } } }).getInternalMethods?.().getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
}

/** What yargs prints for a help request (`--help` or `<command> --help`) at this width, with its final newline. */
export async function renderHelp(argv: readonly string[], width: number): Promise<string> {
  const cli = await parser(argv, width);
  // With a callback, yargs hands over its output instead of printing it and exiting.
  const output = await new Promise<string>((resolve, reject) => cli.parse([...argv], {}, (err, _a, out) => (err ? reject(err) : resolve(out))));
  return `${output}\n`;
}

/** Parses argv, runs the command, and returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  if (argv.length === 1 && argv[0] === '--version') {
    process.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  const help = cachedHelp(argv, COMMAND_NAMES);
  if (help !== null) {
    process.stdout.write(help);
    return EXIT.ok;
  }
  const verbose = argv.includes('--verbose');
  const name = commandOf(argv);
  let args;
  try {
    args = await (await parser(argv, helpWidth(), false)).parseAsync();
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`drift-exporter: ${err.message}\nRun "drift-exporter --help" for usage.\n`);
      return EXIT.error;
    }
    return reportError(err, verbose);
  }
  if (!name || args._[0] !== name) return EXIT.ok;
  try {
    return await (await COMMANDS[name].load()).command.run(args);
  } catch (err) {
    return reportError(err, verbose);
  }
}
