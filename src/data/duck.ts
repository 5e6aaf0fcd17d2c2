import { createRequire } from 'node:module';
import type * as DuckDB from '@duckdb/node-api';
import type * as Bindings from '@duckdb/node-bindings';
import type { DuckDBConnection, DuckDBDataChunk, DuckDBValue } from '@duckdb/node-api';

// Required, not imported: an import makes Node's ESM loader lex each of the package's ~60 CommonJS files (~0.1 s per process).
export const duckdb = createRequire(import.meta.url)('@duckdb/node-api') as typeof DuckDB;
const bindings = createRequire(import.meta.url)('@duckdb/node-bindings') as typeof Bindings;
const { DuckDBDoubleVector, DuckDBInstance } = duckdb;
type DuckDBInstance = DuckDB.DuckDBInstance;

let instance: Promise<DuckDBInstance> | null = null;

/** Bounds of the process's DuckDB; unset ones keep DuckDB's defaults (80% of RAM, one thread per core). */
export interface DuckSettings {
  memoryLimitBytes?: number;
  threads?: number;
}

let settings: DuckSettings = {};

/** Sets the bounds the DuckDB instance is created with; only before its first use (an engine process sets them at start). */
export function configureDuck(s: DuckSettings): void {
  if (instance) throw new Error('configureDuck: the DuckDB instance already exists');
  settings = { ...s };
}

/** The process-wide in-memory DuckDB; each run gets its own connection. */
function getInstance(): Promise<DuckDBInstance> {
  // Created lazily so that `--help` and config checks never load the native library.
  instance ??= DuckDBInstance.create(':memory:', duckOptions(settings));
  return instance;
}

/** DuckDB's options for these settings; KiB, because DuckDB's memory_limit takes no plain byte count. */
function duckOptions(s: DuckSettings): Record<string, string> {
  const options: Record<string, string> = {};
  if (s.memoryLimitBytes !== undefined) options.memory_limit = `${Math.max(1, Math.floor(s.memoryLimitBytes / 1024))}KiB`;
  if (s.threads !== undefined) options.threads = String(s.threads);
  return options;
}

/**
 * Starts creating the instance (DuckDB opens it on a libuv thread) so that it
 * is ready when the first run needs it: a one-shot command calls this before
 * its own start-up work (reading its config), which then overlaps it (~20 ms).
 * A failure surfaces at the first connection, as it would without this.
 */
export function startDuck(): void {
  getInstance().catch(() => undefined);
}

/** The current value of a DuckDB setting (for tests and logs). */
export async function duckSetting(name: string): Promise<unknown> {
  return withConnection(async (conn) => (await rows(conn, 'SELECT current_setting($1) AS v', [name]))[0]?.v);
}

/** 16 MB: as fast as 64 MB on the benchmark's W1 and W2, and ~80 MB less peak memory (bench/RESULTS.md). */
const STREAMING_BUFFER = '16MB';

/** A connection of the process's instance, set as the engine relies on. */
async function connect(): Promise<DuckDBConnection> {
  const conn = await (await getInstance()).connect();
  try {
    // Lets a streamed query run ahead of JavaScript by this much (DuckDB's default is under 1 MB, a few chunks),
    // so that its threads keep scanning while a chunk handler is busy. Bounded, whatever the result's length.
    await conn.run(`SET streaming_buffer_size = '${STREAMING_BUFFER}'`);
    // DuckDB's default, set here because the engine relies on it: a scan returns the rows in the files' order, so
    // a segmented window's later scans place each row where the first scan (which read the segment ids) put it.
    await conn.run('SET preserve_insertion_order = true');
    return conn;
  } catch (err) {
    conn.closeSync();
    throw err;
  }
}

/** Each open connection's side connection (sideConnection), opened with it. */
const sides = new WeakMap<DuckDBConnection, Promise<DuckDBConnection>>();

/**
 * The second connection of one of withConnection's: a query there runs while
 * `conn` still streams (a connection runs one query at a time). For local
 * files only: a remote source's secrets and settings were made on `conn`.
 */
export function sideConnection(conn: DuckDBConnection): Promise<DuckDBConnection> {
  const side = sides.get(conn);
  if (!side) throw new Error('sideConnection: not a connection of withConnection');
  return side;
}

/** Runs `fn` with a fresh connection (and a side connection beside it) that are always closed afterwards. */
export async function withConnection<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
  const conn = await connect();
  // Opened now: opening it while a query streams on `conn` waits for that query (~30 ms in a report).
  const side = connect();
  side.catch(() => undefined);
  sides.set(conn, side);
  try {
    return await fn(conn);
  } finally {
    conn.closeSync();
    (await side.catch(() => null))?.closeSync();
  }
}

/** Quotes an SQL identifier; the only way a column name enters SQL text. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Runs a parameterised query and returns its rows as plain JS objects. */
export async function rows(conn: DuckDBConnection, sql: string, params: DuckDBValue[] = []): Promise<Record<string, unknown>[]> {
  const reader = await conn.runAndReadAll(sql, params);
  return reader.getRowObjectsJS() as Record<string, unknown>[];
}

/**
 * Streams a query's result chunk by chunk, fetching the next chunk while `fn`
 * handles the current one, so DuckDB's threads and JavaScript overlap. When
 * `fn` returns a promise, the next chunk waits for it (backpressure).
 * Memory stays at a few chunks whatever the result's length.
 */
export async function forEachChunk(
  conn: DuckDBConnection,
  sql: string,
  params: DuckDBValue[],
  fn: (chunk: DuckDBDataChunk) => void | Promise<void>,
): Promise<void> {
  const result = await conn.stream(sql, params);
  let next = result.fetchChunk();
  try {
    for (;;) {
      const chunk = await next;
      if (!chunk || chunk.rowCount === 0) return;
      next = result.fetchChunk();
      const waiting = fn(chunk);
      if (waiting) await waiting;
    }
  } finally {
    // A pending fetch after a failure must not surface as an unhandled rejection.
    next.catch(() => undefined);
  }
}

/**
 * The DOUBLE columns of a chunk, read through DuckDB's C API bindings
 * (@duckdb/node-bindings, which node-api wraps): its vectors' data and
 * validity as bytes, without the per-vector type and value objects node-api
 * makes (~0.1 CPU-s less per 3-column scan of 5M rows, most of it garbage
 * collection: bench/RESULTS.md). The first chunk's column types are checked
 * through node-api; later chunks of the same query have the same types.
 */
export class DoubleColumns {
  private checked = false;

  /** Copies the first `count` values of column `c` into `out` from `at` on, NULL as NaN. */
  read(chunk: DuckDBDataChunk, c: number, count: number, out: Float64Array, at = 0): void {
    if (!this.checked) {
      for (let k = 0; k < chunk.columnCount; k++) {
        const vector = chunk.getColumnVector(k);
        if (!(vector instanceof DuckDBDoubleVector)) throw new TypeError(`column ${k} of the scan is ${vector.type.toString()}, not DOUBLE`);
      }
      this.checked = true;
    }
    const vector = bindings.data_chunk_get_vector(chunk.chunk, c);
    // Copied as bytes: a Float64Array view would need DuckDB's buffer to be 8-byte aligned.
    new Uint8Array(out.buffer, out.byteOffset + 8 * at, 8 * count).set(bindings.vector_get_data(vector, 8 * count));
    // A bitmask of valid rows, 64 to a word; none when every row is valid.
    const mask = bindings.vector_get_validity(vector, 8 * Math.ceil(count / 64)) as Uint8Array | null;
    if (!mask) return;
    const bytes = Math.ceil(count / 8);
    for (let b = 0; b < bytes; b++) {
      const byte = mask[b];
      if (byte === 0xff) continue;
      for (let bit = 0; bit < 8; bit++) {
        const row = b * 8 + bit;
        if ((byte & (1 << bit)) === 0 && row < count) out[at + row] = NaN;
      }
    }
  }
}
