/** A command-line usage error (exit 2). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Exit codes of every command: 1 drift or features in error (report --fail-on-drift), 2 usage, config or data error, 3 no data. */
export const EXIT = { ok: 0, drift: 1, error: 2, noData: 3 } as const;

// By name, so that this module imports neither the config nor the data layer.
const EXPECTED = new Set(['ConfigError', 'DataSourceError', 'UsageError', 'ListenError']);

/** Prints one clear line for an expected failure (a stack only with --verbose) and returns exit code 2. */
export function reportError(err: unknown, verbose: boolean): number {
  const expected = err instanceof Error && EXPECTED.has(err.name);
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`drift-exporter: ${expected ? '' : 'unexpected error: '}${message}\n`);
  if (verbose && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  else if (!expected) process.stderr.write('(run with --verbose for the stack trace)\n');
  return EXIT.error;
}
