import { Worker } from 'node:worker_threads';
import { listValue, type DuckDBConnection, type DuckDBListValue, type DuckDBValue } from '@duckdb/node-api';
import { ident, rows } from './duck.js';
import { escapeGlob, FileAccessError, listFiles, stampChange, stampFile, stampKey, type FileStamp } from './files.js';

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
  /** The exact files read, in byte order of their paths; DuckDB is given this list, never the glob. */
  files: string[];
  /** Changes whenever a file is added, removed, resized, written to or rewritten. */
  fingerprint: string;
  columns: Map<string, Column>;
  /** Hive partition keys (`k=v` directories) that DuckDB adds as columns; never a file's column too. */
  partitionKeys: string[];
  /** SQL table expression reading the source; its file list is parameter $1. */
  from: string;
  /** The value of $1. */
  list: DuckDBListValue;
  /** Each file as it was when the source was opened. */
  stamps: FileStamp[];
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

/**
 * Resolves a path, glob or hive-partitioned directory and reads its schema.
 * Every file is stamped first, so that `assertUnchanged` later sees any
 * change made after this point.
 */
export async function openSource(conn: DuckDBConnection, role: Source['role'], spec: string): Promise<Source> {
  const fail = (what: string, cause?: unknown) => new DataSourceError(`${role} ${spec}: ${what}`, cause === undefined ? undefined : { cause });
  let files: string[];
  let hive: boolean;
  const stamps: FileStamp[] = [];
  try {
    ({ files, directory: hive } = listFiles(spec));
    for (const f of files) stamps.push(await stampFile(f));
  } catch (err) {
    if (err instanceof FileAccessError) throw fail(err.message, err);
    throw err;
  }
  const list = listValue(files.map(escapeGlob));
  const from = `read_parquet($1, hive_partitioning = ${hive}, union_by_name = true)`;
  let schema: Record<string, unknown>[];
  let described: Record<string, unknown>[];
  try {
    schema = await rows(conn, 'SELECT file_name, name, num_children FROM parquet_schema($1)', [list]);
    described = await rows(conn, `DESCRIBE SELECT * FROM ${from}`, [list]);
  } catch (err) {
    throw fail(`not readable as Parquet: ${firstLine(err)}`, err);
  }
  const fileColumns = topLevelColumns(schema);
  const keys = new Map<string, string>();
  for (const file of files) {
    // DuckDB matches names case-insensitively: "X" and "x" would be one name, the second renamed x_1.
    const seen = new Map<string, string>();
    for (const name of fileColumns.get(file) ?? []) {
      const other = seen.get(name.toLowerCase());
      if (other !== undefined) throw fail(`${file} has columns "${other}" and "${name}", which differ only by case; DuckDB reads names case-insensitively: rename one`);
      seen.set(name.toLowerCase(), name);
    }
    if (!hive) continue;
    for (const key of partitionKeysOf(file)) {
      const column = seen.get(key.toLowerCase());
      if (column !== undefined) {
        throw fail(`partition key "${key}" (directory ${key}=…) has the name of column "${column}" in ${file}; DuckDB would replace the file's column with the key: rename the directory or the column`);
      }
      if (!keys.has(key.toLowerCase())) keys.set(key.toLowerCase(), key);
    }
  }
  const inFiles = new Set([...fileColumns.values()].flat().map((n) => n.toLowerCase()));
  const columns = new Map<string, Column>();
  const partitionKeys: string[] = [];
  for (const r of described) {
    const name = String(r.column_name);
    const sqlType = String(r.column_type);
    columns.set(name, { name, sqlType, kind: columnKind(sqlType) });
    // A column in no file can only come from the path, whatever the key's spelling there.
    if (hive && (keys.has(name.toLowerCase()) || !inFiles.has(name.toLowerCase()))) partitionKeys.push(name);
  }
  return { role, spec, files, fingerprint: stamps.map(stampKey).join('|'), columns, partitionKeys, from, list, stamps };
}

/**
 * Throws a DataSourceError naming the first file of the source that changed
 * (content, size, times, or replaced or removed) since it was opened: the
 * rows read may then mix two versions of it.
 */
export async function assertUnchanged(source: Source): Promise<void> {
  for (const before of source.stamps) {
    let after: FileStamp;
    try {
      after = await stampFile(before.file);
    } catch (err) {
      throw new DataSourceError(`${source.role} ${source.spec}: ${before.file} changed during the run (${firstLine(err)}); its results are discarded`, { cause: err });
    }
    const change = stampChange(before, after);
    if (change) throw new DataSourceError(`${source.role} ${source.spec}: ${before.file} changed during the run (${change}); its results are discarded`);
  }
}

/** Top-level column names per file, from parquet_schema's depth-first rows (a root, then its children). */
function topLevelColumns(schema: Record<string, unknown>[]): Map<string, string[]> {
  // Grouped first: files may be read in parallel, but each file's rows stay in order.
  const byFile = new Map<string, Record<string, unknown>[]>();
  for (const r of schema) {
    const file = String(r.file_name);
    if (!byFile.has(file)) byFile.set(file, []);
    byFile.get(file)!.push(r);
  }
  const out = new Map<string, string[]>();
  for (const [file, [root, ...elements]] of byFile) {
    const names: string[] = [];
    // Children still expected at each open level; the first is the root's.
    const open = [Number(root.num_children ?? 0)];
    for (const r of elements) {
      if (open.length === 1) names.push(String(r.name));
      open[open.length - 1]--;
      const children = Number(r.num_children ?? 0);
      if (children > 0) open.push(children);
      while (open.length > 1 && open[open.length - 1] === 0) open.pop();
    }
    out.set(file, names);
  }
  return out;
}

/** The hive keys DuckDB reads from a file's directories: each `key=value` segment with one "=". */
function partitionKeysOf(file: string): string[] {
  return file
    .split('/')
    .slice(0, -1)
    .filter((seg) => /^[^=]+=[^=]*$/.test(seg))
    .map((seg) => seg.slice(0, seg.indexOf('=')));
}

/** Runs a query against a source, turning DuckDB's read errors into errors that name the source. */
export async function query(conn: DuckDBConnection, source: Source, sql: string, params: DuckDBValue[] = []): Promise<Record<string, unknown>[]> {
  try {
    return await rows(conn, sql, [source.list, ...params]);
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

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0].trim();
}

export { ident };
