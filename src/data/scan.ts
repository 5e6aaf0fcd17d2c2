import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { duckdb, forEachChunk, ident, readDoubles } from './duck.js';
import { DataSourceError, query, sourceError, type Source } from './source.js';

const { DuckDBDateValue, DuckDBTimestampNanosecondsValue, DuckDBTimestampTZValue, DuckDBTimestampValue } = duckdb;

/** Rows whose timestamp lies in (start, end], UTC. */
export interface TimeFilter {
  column: string;
  start: Date;
  end: Date;
}

/** How to read one feature: its SQL column and the type it is compared as. */
export interface FeatureColumn {
  name: string;
  type: 'numeric' | 'categorical';
}

/** Counts of one source (optionally filtered) for many features at once. */
export interface Counts {
  rows: number;
  /** Missing rows per feature: NULL, and NaN or ±Infinity for numeric features. */
  missing: Map<string, number>;
  /** With a time filter: the newest time in the filtered rows (Unix ms), null when there are none. */
  newest?: number | null;
}

/** Non-missing rows per category of a categorical feature. */
export type CategoryCounts = Map<string, number>;

/**
 * The WHERE clause (and its parameters, which follow the file list $1) for a
 * time filter. The bounds are bound in the column's own type, so that the
 * column is compared as it is (no cast, no conversion error) and exactly:
 * a bound outside the type's range is clamped to it, which keeps every
 * finite value on the right side; ±infinity rows are never in a window.
 * A DATE d stands for the whole day [d, d + 1 day) and counts at its end,
 * d + 1 day: the window (as_of − 1d, as_of] with as_of at midnight takes the
 * day that ends at as_of.
 */
function where(source: Source, filter: TimeFilter | null): { sql: string; params: DuckDBValue[] } {
  if (!filter) return { sql: 'TRUE', params: [] };
  const col = source.columns.get(filter.column);
  if (!col) {
    throw new DataSourceError(`${source.role} ${source.spec}: timestamp column "${filter.column}" not found; columns: ${[...source.columns.keys()].join(', ')}`);
  }
  const bind = col.kind === 'timestamp' ? BIND[col.sqlType] : undefined;
  if (!bind) {
    throw new DataSourceError(
      `${source.role} ${source.spec}: timestamp column "${filter.column}" has type ${col.sqlType}; expected ${Object.keys(BIND).slice(0, -1).join(', ')} or DATE`,
    );
  }
  const ms = [filter.start, filter.end].map((d) => d.getTime());
  if (!ms.every(Number.isFinite)) throw new RangeError(`time filter on "${filter.column}": a window bound is not a valid date`);
  const c = ident(col.name);
  return { sql: `${c} > $2 AND ${c} <= $3`, params: ms.map(bind) };
}

const MS_PER_DAY = 86_400_000;
// The largest finite value of a 64-bit (32-bit for DATE) time type: ±(2^63 − 1) are ±infinity.
const I64 = 2n ** 63n - 2n;
const I32 = 2 ** 31 - 2;
const clamp64 = (v: bigint) => (v > I64 ? I64 : v < -I64 - 1n ? -I64 - 1n : v);

/**
 * Each timestamp type DuckDB's Parquet reader yields (it reads second and
 * millisecond units as TIMESTAMP): a window bound, in epoch milliseconds, as
 * a value of that type.
 */
const BIND: Record<string, (ms: number) => DuckDBValue> = {
  TIMESTAMP: (ms) => new DuckDBTimestampValue(clamp64(BigInt(ms) * 1000n)),
  'TIMESTAMP WITH TIME ZONE': (ms) => new DuckDBTimestampTZValue(clamp64(BigInt(ms) * 1000n)),
  TIMESTAMP_NS: (ms) => new DuckDBTimestampNanosecondsValue(clamp64(BigInt(ms) * 1_000_000n)),
  // d + 1 day > t exactly when d > floor(t / 1 day) − 1, and d + 1 day <= t exactly when d <= floor(t / 1 day) − 1.
  DATE: (ms) => new DuckDBDateValue(Math.max(-I32 - 1, Math.min(I32, Math.floor(ms / MS_PER_DAY) - 1))),
};

/** The newest time in the column as Unix milliseconds; a DATE d counts at its end, d + 1 day, as in `where`. */
function newestMs(source: Source, column: string): string {
  const c = ident(column);
  return source.columns.get(column)?.sqlType === 'DATE' ? `epoch_ms(max(${c})::TIMESTAMP) + 86400000` : `epoch_ms(max(${c}))`;
}

/** Row count and per-feature missing counts in one scan; with a time filter, also the newest time in the window. */
export async function countRows(conn: DuckDBConnection, source: Source, features: readonly FeatureColumn[], filter: TimeFilter | null): Promise<Counts> {
  const w = where(source, filter);
  const missingExprs = features.map((f, i) => {
    const c = ident(f.name);
    const bad = f.type === 'numeric' ? `${c} IS NULL OR NOT isfinite(${c}::DOUBLE)` : `${c} IS NULL`;
    return `count(*) FILTER (WHERE ${bad})::BIGINT AS m${i}`;
  });
  const newest = filter ? `, ${newestMs(source, filter.column)} AS newest` : '';
  const sql = `SELECT count(*)::BIGINT AS n${missingExprs.map((e) => `, ${e}`).join('')}${newest} FROM ${source.from} WHERE ${w.sql}`;
  const [r] = await query(conn, source, sql, w.params);
  const missing = new Map<string, number>();
  features.forEach((f, i) => missing.set(f.name, Number(r[`m${i}`])));
  return { rows: Number(r.n), missing, newest: r.newest === null || r.newest === undefined ? null : Number(r.newest) };
}

/**
 * One chunk of numeric columns as DOUBLE: `values[c]` holds column c's first
 * `count` rows, NULL as NaN (NaN and ±Infinity pass through as they are),
 * reused for the next chunk. A returned promise holds the next chunk back
 * until it settles.
 */
export type NumericChunkHandler = (values: readonly Float64Array[], count: number) => void | Promise<void>;

/**
 * Streams numeric columns of the (filtered) source through `onChunk` in one
 * scan and returns the number of rows read. Memory is a few chunks, whatever
 * the number of rows. DuckDB's errors are wrapped to name the source;
 * `onChunk`'s own errors pass through as they are.
 */
export async function streamNumeric(conn: DuckDBConnection, source: Source, columns: readonly string[], filter: TimeFilter | null, onChunk: NumericChunkHandler): Promise<number> {
  const w = where(source, filter);
  const sql = `SELECT ${columns.map((c) => `${ident(c)}::DOUBLE`).join(', ')} FROM ${source.from} WHERE ${w.sql}`;
  const values = columns.map(() => new Float64Array(CHUNK_ROWS));
  let rows = 0;
  let handlerFailed = false;
  const handle = async (pending: void | Promise<void>) => {
    try {
      await pending;
    } catch (err) {
      handlerFailed = true;
      throw err;
    }
  };
  try {
    await forEachChunk(conn, sql, [source.list, ...w.params], (chunk) => {
      const count = chunk.rowCount;
      for (let c = 0; c < columns.length; c++) readDoubles(chunk.getColumnVector(c), count, values[c]);
      rows += count;
      let pending: void | Promise<void>;
      try {
        pending = onChunk(values, count);
      } catch (err) {
        handlerFailed = true;
        throw err;
      }
      return pending ? handle(pending) : undefined;
    });
  } catch (err) {
    throw handlerFailed ? err : sourceError(source, err);
  }
  return rows;
}

/** DuckDB's vector size: no chunk holds more rows. */
const CHUNK_ROWS = 2048;

const GROUPING_MAX = 30;

/** Per categorical column: non-missing rows per category, and NULL rows. */
export interface CategoryColumn {
  counts: CategoryCounts;
  missing: number;
}

/** Counts per category of several columns in one scan (GROUPING SETS), NULLs counted as missing. */
export async function categoryCountsAll(conn: DuckDBConnection, source: Source, columns: readonly string[], filter: TimeFilter | null): Promise<Map<string, CategoryColumn>> {
  const out = new Map<string, CategoryColumn>(columns.map((c) => [c, { counts: new Map(), missing: 0 }]));
  if (columns.length === 0) return out;
  if (columns.length > GROUPING_MAX) {
    // grouping_id is a bitmask over the columns: keep it well inside 32 bits.
    for (let at = 0; at < columns.length; at += GROUPING_MAX) {
      for (const [c, v] of await categoryCountsAll(conn, source, columns.slice(at, at + GROUPING_MAX), filter)) out.set(c, v);
    }
    return out;
  }
  const w = where(source, filter);
  const aliases = columns.map((_, i) => `v${i}`);
  // grouping_id has bit (columns.length − 1 − i) clear for the set that groups column i.
  const sql = `SELECT grouping_id(${aliases.join(', ')})::BIGINT AS g, ${aliases.join(', ')}, count(*)::BIGINT AS n
    FROM (SELECT ${columns.map((c, i) => `${ident(c)}::VARCHAR AS v${i}`).join(', ')} FROM ${source.from} WHERE ${w.sql})
    GROUP BY GROUPING SETS (${aliases.map((a) => `(${a})`).join(', ')})`;
  for (const r of await query(conn, source, sql, w.params)) {
    const g = Number(r.g);
    const i = columns.findIndex((_, k) => (g & (1 << (columns.length - 1 - k))) === 0);
    const col = out.get(columns[i])!;
    const v = r[`v${i}`];
    if (v === null || v === undefined) col.missing += Number(r.n);
    else col.counts.set(String(v), Number(r.n));
  }
  return out;
}
