/**
 * The one fixture builder: Parquet files written with real DuckDB, temp
 * directories, and configs for `report` and `serve`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { stringify } from 'yaml';
let conn: Promise<DuckDBConnection> | null = null;

/** Writes the result of a SELECT to a Parquet file through DuckDB (parent folders created). */
export async function writeParquet(file: string, select: string, opts: { uncompressed?: boolean } = {}): Promise<string> {
  conn ??= DuckDBInstance.create(':memory:').then((db) => db.connect());
  mkdirSync(path.dirname(file), { recursive: true });
  await (await conn).run(`COPY (${select}) TO '${file.replaceAll("'", "''")}' (FORMAT parquet${opts.uncompressed ? ', COMPRESSION uncompressed' : ''})`);
  return file;
}

/** Writes a SELECT's rows as Parquet, JSON lines or CSV (optionally gzip) through DuckDB's COPY, for the format tests. */
export async function writeAs(file: string, format: 'parquet' | 'json' | 'csv', select: string, gzip = false): Promise<string> {
  conn ??= DuckDBInstance.create(':memory:').then((db) => db.connect());
  mkdirSync(path.dirname(file), { recursive: true });
  const options = `FORMAT ${format}${gzip ? ', COMPRESSION gzip' : ''}`;
  await (await conn).run(`COPY (${select}) TO '${file.replaceAll("'", "''")}' (${options})`);
  return file;
}

/** A fresh temp directory, removed when the test ends. */
export function tempDir(t: { after: (fn: () => void) => void }, prefix = 'drift-test-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Parquet fixtures and configs for the `serve` tests, written with real
 * DuckDB into a temp directory. The window is pinned by `as_of`, so that a
 * `report` and a `serve` of the same config see the same rows.
 */

/** The pinned end of every fixture window; the window is the day before. */
export const AS_OF = '2026-03-02T00:00:00Z';

/** Columns: ts, x and pred (numeric), y (numeric, some NULL), cat (categorical), allnull (NULL throughout the window). */
export interface FixtureFiles {
  baseline: string;
  /** Drifted: x and pred shifted, y with more NULLs, cat with an unseen category; plus older rows outside the window. */
  window: string;
  /** Same schema, every row older than the window: an empty window. */
  emptyWindow: string;
}

/** Writes the baseline and windows of the fixture; `windowRows` scales the work of a run. */
export async function writeFixture(dir: string, opts: { baselineRows?: number; windowRows?: number } = {}): Promise<FixtureFiles> {
  const n = opts.baselineRows ?? 20_000;
  const m = opts.windowRows ?? 6_000;
  const files = { baseline: path.join(dir, 'baseline.parquet'), window: path.join(dir, 'window.parquet'), emptyWindow: path.join(dir, 'empty.parquet') };
  await writeParquet(
    files.baseline,
    `SELECT TIMESTAMP '2026-02-01' + to_seconds(i % 86400) AS ts, random() AS x,
            CASE WHEN i % 10 = 0 THEN NULL ELSE random() * 10 END AS y,
            ['a', 'b', 'c'][1 + i % 3] AS cat, random() AS allnull, random() AS pred
     FROM range(${n}) t(i)`,
  );
  await writeParquet(
    files.window,
    `SELECT TIMESTAMP '2026-03-01' + to_seconds(i % 86000) AS ts, random() * 1.5 + 0.2 AS x,
            CASE WHEN i % 5 = 0 THEN NULL ELSE random() * 10 END AS y,
            ['a', 'b', 'c', 'z'][1 + i % 4] AS cat, NULL::DOUBLE AS allnull, random() * 0.8 + 0.3 AS pred
     FROM range(${m}) t(i)
     UNION ALL
     SELECT TIMESTAMP '2026-02-20', 100.0, 1.0, 'old', 1.0, 5.0 FROM range(50)`,
  );
  await writeParquet(
    files.emptyWindow,
    `SELECT TIMESTAMP '2026-02-10' + to_seconds(i) AS ts, random() AS x, random() AS y, 'a' AS cat, random() AS allnull, random() AS pred
     FROM range(100) t(i)`,
  );
  return files;
}

/** A model entry of the config, with the fixture's timestamp column and pinned window. */
export function fixtureModel(name: string, baseline: string, window: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, baseline, window, timestamp_column: 'ts', window_duration: '1d', as_of: AS_OF, prediction_columns: ['pred'], ...extra };
}

/** Writes a config file; the default schedule never fires during a test, so only the start-up run happens. */
export function writeConfig(file: string, models: Record<string, unknown>[], defaults: Record<string, unknown> = {}): string {
  writeFileSync(file, stringify({ defaults: { schedule: '0 0 1 1 *', run_timeout: '60s', ...defaults }, models }));
  return file;
}
