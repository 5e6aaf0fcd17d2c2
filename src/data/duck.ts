import { createRequire } from 'node:module';
import type * as DuckDB from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBDataChunk, DuckDBValue, DuckDBVector } from '@duckdb/node-api';

// Required, not imported: an import makes Node's ESM loader lex each of the package's ~60 CommonJS files (~0.1 s per process).
export const duckdb = createRequire(import.meta.url)('@duckdb/node-api') as typeof DuckDB;
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

/** The current value of a DuckDB setting (for tests and logs). */
export async function duckSetting(name: string): Promise<unknown> {
  return withConnection(async (conn) => (await rows(conn, 'SELECT current_setting($1) AS v', [name]))[0]?.v);
}

/** 16 MB: as fast as 64 MB on the benchmark's W1 and W2, and ~80 MB less peak memory (bench/RESULTS.md). */
const STREAMING_BUFFER = '16MB';

/** Runs `fn` with a fresh connection that is always closed afterwards. */
export async function withConnection<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
  const conn = await (await getInstance()).connect();
  try {
    // Lets a streamed query run ahead of JavaScript by this much (DuckDB's default is under 1 MB, a few chunks),
    // so that its threads keep scanning while a chunk handler is busy. Bounded, whatever the result's length.
    await conn.run(`SET streaming_buffer_size = '${STREAMING_BUFFER}'`);
    // DuckDB's default, set here because the engine relies on it: a scan returns the rows in the files' order, so
    // a segmented window's later scans place each row where the first scan (which read the segment ids) put it.
    await conn.run('SET preserve_insertion_order = true');
    return await fn(conn);
  } finally {
    conn.closeSync();
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
 * Copies the first `count` values of a DOUBLE vector into `out` from `at` on, NULL as NaN.
 *
 * Reads DuckDBDoubleVector's private `items` (a Float64Array over DuckDB's
 * buffer) and `validity.data` (a bitmask, null when all rows are valid)
 * directly: for millions of rows that is an order of magnitude faster than
 * getItem. This is the only place that relies on those internals; when their
 * shape differs (another node-api version) it falls back to getItem.
 */
export function readDoubles(vector: DuckDBVector, count: number, out: Float64Array, at = 0): void {
  const raw = vector as unknown as { items?: unknown; validity?: { data?: unknown; offset?: unknown } };
  const items = raw.items;
  const validity = raw.validity;
  const mask = validity?.data;
  if (vector instanceof DuckDBDoubleVector && items instanceof Float64Array && items.length >= count && validity?.offset === 0 && (mask === null || mask instanceof BigUint64Array)) {
    out.set(items.subarray(0, count), at);
    if (mask) {
      const bytes = new Uint8Array(mask.buffer, mask.byteOffset, Math.ceil(count / 8));
      for (let b = 0; b < bytes.length; b++) {
        const byte = bytes[b];
        if (byte === 0xff) continue;
        for (let bit = 0; bit < 8; bit++) {
          const row = b * 8 + bit;
          if ((byte & (1 << bit)) === 0 && row < count) out[at + row] = NaN;
        }
      }
    }
    return;
  }
  for (let i = 0; i < count; i++) {
    const v = vector.getItem(i);
    out[at + i] = v === null ? NaN : Number(v);
  }
}
