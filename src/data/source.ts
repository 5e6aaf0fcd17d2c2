import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { DuckDBConnection, DuckDBListValue, DuckDBValue } from '@duckdb/node-api';
import { duckdb, ident, rows } from './duck.js';
import {
  dataFiles,
  escapeGlob,
  FileAccessError,
  formatOfFiles,
  isRemote,
  listFiles,
  prunePartitions,
  stampChange,
  stampFile,
  stampKey,
  type FileStamp,
  type Format,
} from './files.js';
import { configureExtensions, ExtensionError, NO_STORAGE, prepareRemote, redactText, type StorageSettings } from './storage.js';

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

/** A resolved source: its files, their format and fingerprint, and the schema. */
export interface Source {
  role: 'baseline' | 'window';
  spec: string;
  format: Format;
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
  /** Secret values that errors about this source must not show. */
  redact: string[];
  /** Whether the files are remote objects, read through the secrets and settings of the connection that opened them. */
  remote: boolean;
  /** A file's stamp now (remote objects: through the connection that opened them). */
  restamp: (file: string) => Promise<FileStamp>;
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

/** How to open a source beyond its path. */
export interface OpenOptions {
  /** The files' format; null or absent: from their extension. */
  format?: Format | null;
  /** Secrets and extension settings for remote URIs. */
  storage?: StorageSettings;
  /**
   * The baseline, when opening a window: JSON and CSV columns the baseline
   * also has are read as the baseline's type, not re-inferred.
   */
  like?: Source;
  /** Hive partitions `key=YYYY-MM-DD` whose UTC day misses (start, end] are not read: the key is the timestamp's date. */
  prune?: { key: string; start: Date; end: Date } | null;
}

/**
 * Resolves a path, glob, hive-partitioned directory or remote URI and reads
 * its schema. Every file is stamped first, so that `assertUnchanged` later
 * sees any change made after this point.
 */
export async function openSource(conn: DuckDBConnection, role: Source['role'], spec: string, opts: OpenOptions = {}): Promise<Source> {
  const storage = opts.storage ?? NO_STORAGE;
  let redact: string[] = [];
  // DuckDB's messages may quote a secret; with secrets in play the cause is not kept either.
  const fail = (what: string, cause?: unknown) =>
    new DataSourceError(redactText(`${role} ${spec}: ${what}`, redact), cause === undefined || redact.length > 0 ? undefined : { cause });
  let files: string[];
  let hive: boolean;
  let format: Format;
  const stamps: FileStamp[] = [];
  const remote = isRemote(spec);
  try {
    // Before anything is read: never download an extension.
    await configureExtensions(conn, storage);
    if (remote) {
      redact = await prepareRemote(conn, spec, storage);
      ({ files, directory: hive } = await listRemote(conn, spec, opts.format ?? null));
    } else {
      ({ files, directory: hive } = listFiles(spec, opts.format ?? null));
    }
    if (opts.prune) files = keepOne(prunePartitions(files, opts.prune.key, opts.prune.start, opts.prune.end), files);
    format = formatOfFiles(files, opts.format ?? null);
    if (remote) stamps.push(...(await stampRemote(conn, files)));
    else for (const f of files) stamps.push(await stampFile(f));
  } catch (err) {
    if (err instanceof FileAccessError || err instanceof ExtensionError) throw fail(err.message, err);
    if (remote) throw fail(`cannot list or reach: ${firstLine(err)}`, err);
    throw err;
  }
  const list = duckdb.listValue(files.map((f) => (remote ? f : escapeGlob(f))));
  let from = reader(format, hive, null);
  let schema: Record<string, unknown>[] = [];
  let described: Record<string, unknown>[];
  let inFiles: Set<string>;
  try {
    if (format === 'parquet') schema = await rows(conn, 'SELECT file_name, name, num_children FROM parquet_schema($1)', [list]);
    described = await rows(conn, `DESCRIBE SELECT * FROM ${from}`, [list]);
    // The files' own columns: the hive keys come from the path.
    inFiles = new Set(
      format === 'parquet'
        ? [...topLevelColumns(schema).values()].flat().map((n) => n.toLowerCase())
        : (hive ? await rows(conn, `DESCRIBE SELECT * FROM ${reader(format, false, null)}`, [list]) : described).map((r) => String(r.column_name).toLowerCase()),
    );
    const types = opts.like && format !== 'parquet' ? baselineTypes(described, opts.like, inFiles) : null;
    if (types) {
      from = reader(format, hive, format === 'json' ? new Map([...described.filter((r) => inFiles.has(String(r.column_name).toLowerCase())).map((r) => [String(r.column_name), String(r.column_type)] as [string, string]), ...types]) : types);
      described = await rows(conn, `DESCRIBE SELECT * FROM ${from}`, [list]);
    }
  } catch (err) {
    throw fail(`not readable as ${FORMAT_NAME[format]}: ${await readError(conn, format, files, err)}`, err);
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
      const column = format === 'parquet' ? seen.get(key.toLowerCase()) : inFiles.has(key.toLowerCase()) ? key : undefined;
      if (column !== undefined) {
        throw fail(`partition key "${key}" (directory ${key}=…) has the name of column "${column}" in ${format === 'parquet' ? file : 'the files'}; DuckDB would replace the file's column with the key: rename the directory or the column`);
      }
      if (!keys.has(key.toLowerCase())) keys.set(key.toLowerCase(), key);
    }
  }
  const columns = new Map<string, Column>();
  const partitionKeys: string[] = [];
  for (const r of described) {
    const name = String(r.column_name);
    const sqlType = String(r.column_type);
    columns.set(name, { name, sqlType, kind: columnKind(sqlType) });
    // A column in no file can only come from the path, whatever the key's spelling there.
    if (hive && (keys.has(name.toLowerCase()) || !inFiles.has(name.toLowerCase()))) partitionKeys.push(name);
  }
  if (remote) for (const s of stamps) remoteStamps.set(s.file, s);
  const restamp = remote ? (file: string) => stampRemote(conn, [file]).then(([s]) => s) : stampFile;
  return { role, spec, format, files, fingerprint: stamps.map(stampKey).join('|'), columns, partitionKeys, from, list, stamps, redact, restamp, remote };
}

const FORMAT_NAME: Record<Format, string> = { parquet: 'Parquet', json: 'newline-delimited JSON', csv: 'CSV' };

/**
 * The table function reading the files ($1). JSON: one object per line,
 * types inferred by DuckDB from a sample of rows (a key absent from a line
 * is NULL); CSV: comma-separated with a header line and "-quoting, strict
 * (a row with too many or too few fields fails), types inferred likewise.
 * `types` fixes column types (JSON: the full column list; CSV: those named).
 */
function reader(format: Format, hive: boolean, types: Map<string, string> | null): string {
  const struct = types ? `{${[...types].map(([n, t]) => `${literal(n)}: ${literal(t)}`).join(', ')}}` : '';
  if (format === 'parquet') return `read_parquet($1, hive_partitioning = ${hive}, union_by_name = true)`;
  if (format === 'json') return `read_json($1, format = 'newline_delimited', hive_partitioning = ${hive}, union_by_name = true${types ? `, columns = ${struct}` : ''})`;
  return `read_csv($1, header = true, delim = ',', quote = '"', escape = '"', strict_mode = true, hive_partitioning = ${hive}, union_by_name = true${types ? `, types = ${struct}` : ''})`;
}

const literal = (v: string) => `'${v.replaceAll("'", "''")}'`;

/** The window's file columns that the baseline has, with the baseline's type (feature, timestamp and id columns alike). */
function baselineTypes(described: Record<string, unknown>[], like: Source, inFiles: Set<string>): Map<string, string> | null {
  const out = new Map<string, string>();
  for (const r of described) {
    const name = String(r.column_name);
    const base = like.columns.get(name);
    if (!base || !inFiles.has(name.toLowerCase()) || like.partitionKeys.includes(name) || base.kind === 'unsupported') continue;
    out.set(name, base.sqlType);
  }
  return out.size > 0 ? out : null;
}

/** When pruning leaves no file, one is still read (its rows all lie outside the window): the schema comes from it. */
function keepOne(kept: string[], all: string[]): string[] {
  return kept.length > 0 ? kept : all.slice(0, 1);
}

/** Remote files through DuckDB's glob: a URI ending in "/" is a directory of hive partitions. */
async function listRemote(conn: DuckDBConnection, spec: string, format: Format | null): Promise<{ files: string[]; directory: boolean }> {
  const directory = spec.endsWith('/');
  if (!directory && !/[*?[]/.test(spec)) return { files: [spec], directory: false };
  const found = (await rows(conn, 'SELECT file FROM glob($1) ORDER BY file', [directory ? `${spec}**` : spec])).map((r) => String(r.file));
  const files = directory ? dataFiles(found, format) : found;
  if (files.length === 0) throw new FileAccessError(directory ? `no ${format ?? 'data'} object under this prefix` : 'no object matches');
  return { files, directory };
}

/**
 * A remote object's identity as DuckDB's listing reports it: size and
 * last-modified time (DuckDB does not expose the ETag). The content is not read.
 */
async function stampRemote(conn: DuckDBConnection, files: readonly string[]): Promise<FileStamp[]> {
  const got = await rows(conn, 'SELECT filename, size, epoch_ns(last_modified) AS mtime FROM read_blob($1)', [duckdb.listValue([...files])]);
  const byName = new Map(got.map((r) => [String(r.filename), r]));
  return files.map((file) => {
    const r = byName.get(file);
    if (!r) throw new FileAccessError(`${file}: not found`);
    const mtimeNs = BigInt(String(r.mtime ?? 0));
    return { file, size: BigInt(String(r.size)), mtimeNs, ctimeNs: 0n, ino: 0n, digest: `remote:${r.size}:${mtimeNs}` };
  });
}

/** The last stamp of each remote file opened, by URI: its identity stands for its content in `sha256`. */
const remoteStamps = new Map<string, FileStamp>();

/**
 * DuckDB's read error, kept to what names the problem. A CSV whose bad row
 * is within DuckDB's sniffing sample fails as "cannot detect the dialect"
 * without a line: the file is read again with the dialect fixed and every
 * column as text, which fails on the first inconsistent row, naming it.
 */
async function readError(conn: DuckDBConnection, format: Format, files: readonly string[], err: unknown): Promise<string> {
  const text = err instanceof Error ? err.message : String(err);
  const sniffed = /Error when sniffing file "([^"]*)"/.exec(text);
  if (format !== 'csv' || !sniffed) return readErrorText(text);
  for (const file of sniffed[1] ? [sniffed[1]] : files) {
    try {
      const [head] = await rows(conn, `SELECT h FROM read_csv([$1], auto_detect = false, header = false, delim = '\x1f', quote = '', escape = '', columns = {'h': 'VARCHAR'}) LIMIT 1`, [file]);
      const names = splitCsvLine(String(head?.h ?? ''));
      const columns = `{${names.map((n, i) => `${literal(n || `column${i}`)}: 'VARCHAR'`).join(', ')}}`;
      await rows(conn, `SELECT count(*) FROM read_csv([$1], auto_detect = false, header = true, delim = ',', quote = '"', escape = '"', strict_mode = true, columns = ${columns})`, [file]);
    } catch (again) {
      const t = again instanceof Error ? again.message : String(again);
      if (/CSV Error on Line/.test(t)) return readErrorText(t);
    }
  }
  return readErrorText(text);
}

/** DuckDB's message to one line; a CSV row error as "FILE line N: expected K columns, found M". */
function readErrorText(text: string): string {
  const line = /CSV Error on Line: (\d+)/.exec(text);
  if (!line) return text.split('\n')[0].trim();
  const file = /\n\s*file = (.*)\n/.exec(text)?.[1].trim();
  const counts = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(text);
  const what = counts ? `expected ${counts[1]} columns, found ${counts[2]}` : text.split('\n').slice(1).find((l) => l.trim() !== '' && !l.startsWith('Original Line'))?.trim() ?? 'malformed row';
  return `${file ?? 'a file'} line ${line[1]}: ${what} (the files are read strictly: fix or drop that row)`;
}

/** The fields of one CSV line ("-quoted, "" for a quote). */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') out.push(field), (field = '');
    else field += c;
  }
  out.push(field);
  return out;
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
      after = await source.restamp(before.file);
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
  const text = err instanceof Error ? err.message : String(err);
  const message = redactText(`${source.role} ${source.spec}: ${readErrorText(text)}`, source.redact);
  return new DataSourceError(message, source.redact.length > 0 ? undefined : { cause: err });
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

/** Sources of at most this many bytes are hashed on the main thread (~1 ms per MiB here): a worker takes 30-70 ms to answer. */
const INLINE_HASH_BYTES = 4 << 20;

/** Whether these local files add up to at most INLINE_HASH_BYTES (false when one cannot be read: the worker reports it). */
function smallFiles(files: readonly string[]): boolean {
  let bytes = 0;
  try {
    for (const file of files) bytes += statSync(file).size;
  } catch {
    return false;
  }
  return bytes <= INLINE_HASH_BYTES;
}

/**
 * SHA-256 over the source's files, in path order, computed off the main
 * thread unless they are small. A remote source is not downloaded for it: its digest is over each
 * object's URI, size and last-modified time.
 */
export function sha256(files: readonly string[]): Promise<string> {
  if (files.length > 0 && files.every(isRemote)) {
    const hash = createHash('sha256');
    for (const f of files) hash.update(stampKey(remoteStamps.get(f) ?? { file: f, size: 0n, mtimeNs: 0n, ctimeNs: 0n, ino: 0n, digest: '' }) + '\n');
    return Promise.resolve(hash.digest('hex'));
  }
  const inline = smallFiles(files);
  if (inline) {
    try {
      const hash = createHash('sha256');
      for (const file of files) hash.update(readFileSync(file));
      return Promise.resolve(hash.digest('hex'));
    } catch (err) {
      return Promise.reject(err);
    }
  }
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
