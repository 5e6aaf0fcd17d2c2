import { Worker } from 'node:worker_threads';
import { statSync, type Stats } from 'node:fs';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { ident, rows } from './duck.js';

/** A source that cannot be read; the message names the file or column. */
export class DataSourceError extends Error {
  override name = 'DataSourceError';
}

/** How a column is treated: as a feature type, as a timestamp, or not at all. */
export type ColumnKind = 'numeric' | 'categorical' | 'timestamp' | 'unsupported';

/** A column of a source's schema. */
export interface Column {
  name: string;
  sqlType: string;
  kind: ColumnKind;
}

/** A resolved Parquet source: its files, their fingerprint, and the schema. */
export interface Source {
  role: 'baseline' | 'window';
  spec: string;
  files: string[];
  /** Changes whenever a file is added, removed, resized or rewritten. */
  fingerprint: string;
  columns: Map<string, Column>;
  /** SQL table expression reading the source; its file pattern is parameter $1. */
  from: string;
  pattern: string;
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*)$/;
const CATEGORICAL = /^(VARCHAR|BOOLEAN|ENUM.*)$/;
const TIMESTAMP = /^(TIMESTAMP.*|DATE)$/;

/** Maps a DuckDB type to how drift-exporter treats it. */
export function columnKind(sqlType: string): ColumnKind {
  if (NUMERIC.test(sqlType)) return 'numeric';
  if (CATEGORICAL.test(sqlType)) return 'categorical';
  if (TIMESTAMP.test(sqlType)) return 'timestamp';
  return 'unsupported';
}

/** Resolves a path, glob or hive-partitioned directory and reads its schema. */
export async function openSource(conn: DuckDBConnection, role: Source['role'], spec: string): Promise<Source> {
  let stat: Stats | undefined;
  try {
    stat = statSync(spec);
  } catch {
    // Not a plain path: a glob, resolved by DuckDB below.
  }
  const hive = stat?.isDirectory() ?? false;
  const pattern = hive ? `${spec.replace(/\/+$/, '')}/**/*.parquet` : spec;
  const files = (await rows(conn, 'SELECT file FROM glob($1) ORDER BY file', [pattern])).map((r) => String(r.file));
  if (files.length === 0) {
    throw new DataSourceError(hive ? `${role} ${spec}: directory holds no .parquet file` : `${role} ${spec}: no file matches`);
  }
  const from = `read_parquet($1, hive_partitioning = ${hive}, union_by_name = true)`;
  let described: Record<string, unknown>[];
  try {
    described = await rows(conn, `DESCRIBE SELECT * FROM ${from}`, [pattern]);
  } catch (err) {
    throw new DataSourceError(`${role} ${spec}: not readable as Parquet: ${firstLine(err)}`, { cause: err });
  }
  const columns = new Map<string, Column>();
  for (const r of described) {
    const name = String(r.column_name);
    const sqlType = String(r.column_type);
    columns.set(name, { name, sqlType, kind: columnKind(sqlType) });
  }
  return { role, spec, files, fingerprint: fingerprint(files), columns, from, pattern };
}

/** Runs a query against a source, turning DuckDB's read errors into errors that name the source. */
export async function query(conn: DuckDBConnection, source: Source, sql: string, params: DuckDBValue[] = []): Promise<Record<string, unknown>[]> {
  try {
    return await rows(conn, sql, [source.pattern, ...params]);
  } catch (err) {
    throw sourceError(source, err);
  }
}

/** Wraps a DuckDB failure while reading a source. */
export function sourceError(source: Source, err: unknown): DataSourceError {
  return new DataSourceError(`${source.role} ${source.spec}: ${firstLine(err)}`, { cause: err });
}

// Runs in a worker thread (CommonJS, from a string): hashing a large baseline would otherwise hold the main thread.
const HASH_WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { createReadStream } = require('node:fs');
(async () => {
  const hash = createHash('sha256');
  for (const file of workerData) for await (const chunk of createReadStream(file)) hash.update(chunk);
  parentPort.postMessage(hash.digest('hex'));
})();
`;

/** SHA-256 over the source's files, in path order, computed off the main thread. */
export function sha256(files: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(HASH_WORKER, { eval: true, workerData: [...files] });
    worker.once('message', (digest: string) => resolve(digest));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`hashing ${files.join(', ')} stopped (exit code ${code})`)));
  });
}

function fingerprint(files: readonly string[]): string {
  return files
    .map((f) => {
      const s = statSync(f);
      return `${f}:${s.size}:${s.mtimeMs}`;
    })
    .join('|');
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0].trim();
}

export { ident };
