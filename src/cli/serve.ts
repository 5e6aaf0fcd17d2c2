import type { Argv } from 'yargs';
import { UsageError } from './errors.js';

/** Options of `serve` (placeholder until the daemon lands). */
export function serveOptions(y: Argv) {
  return y.option('config', { alias: 'c', type: 'string', demandOption: true, describe: 'YAML config file' });
}

/** `serve`: not implemented yet. */
export async function serveCommand(_a: unknown): Promise<number> {
  throw new UsageError('serve is not implemented yet');
}
