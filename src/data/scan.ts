import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { DoubleColumns, duckdb, forEachChunk, ident, sideConnection } from './duck.js';
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

/**
 * Segments of a source: the columns whose values (as text; null: SQL NULL)
 * group its rows, and the named keys. Rows of no named key are the
 * overflow's: id `keys.length`.
 */
export interface Segments {
  columns: string[];
  keys: (string | null)[][];
}

/** The rows of one segment (`index` < keys.length) or of no named key (`index` = keys.length): what a baseline slice's profile holds. */
export interface Slice {
  segments: Segments;
  index: number;
}

/** Rows per key of the segment columns (each value as text; null: SQL NULL). */
export interface SegmentCount {
  key: (string | null)[];
  rows: number;
}

/** Non-missing rows per category of a categorical feature. */
export type CategoryCounts = Map<string, number>;

/** A key's match: each column's text IS NOT DISTINCT FROM the key's value (a NULL value matches NULL); its text values are parameters from $first. */
function keySql(segments: Segments, i: number, first: number, params: DuckDBValue[]): string {
  return segments.columns
    .map((c, k) => {
      const v = segments.keys[i][k];
      if (v === null) return `${ident(c)} IS NULL`;
      params.push(v);
      return `${ident(c)}::VARCHAR = $${first + params.length - 1}`;
    })
    .join(' AND ');
}

/** Each row's segment id (0 .. keys.length − 1 for a named key, keys.length for the others), as SQL; parameters from $first. */
function segmentIdSql(segments: Segments, first: number): { sql: string; params: DuckDBValue[] } {
  const params: DuckDBValue[] = [];
  if (segments.keys.length === 0) return { sql: '0', params };
  const whens = segments.keys.map((_, i) => `WHEN ${keySql(segments, i, first, params)} THEN ${i}`).join(' ');
  return { sql: `CASE ${whens} ELSE ${segments.keys.length} END`, params };
}

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
 * Rows per key of the segment columns in one scan (with a time filter, also
 * the newest time in the window): the row count of a segmented window.
 */
export async function countSegments(conn: DuckDBConnection, source: Source, columns: readonly string[], filter: TimeFilter | null): Promise<{ rows: number; newest: number | null; keys: SegmentCount[] }> {
  const w = where(source, filter);
  const keys = columns.map((c, i) => `${ident(c)}::VARCHAR AS k${i}`).join(', ');
  const newest = filter ? `, ${newestMs(source, filter.column)} AS newest` : '';
  const sql = `SELECT ${keys}, count(*)::BIGINT AS n${newest} FROM ${source.from} WHERE ${w.sql} GROUP BY ALL`;
  const out = { rows: 0, newest: null as number | null, keys: [] as SegmentCount[] };
  for (const r of await query(conn, source, sql, w.params)) {
    const n = Number(r.n);
    out.rows += n;
    out.keys.push({ key: columns.map((_, i) => (r[`k${i}`] === null || r[`k${i}`] === undefined ? null : String(r[`k${i}`]))), rows: n });
    if (r.newest !== null && r.newest !== undefined) out.newest = Math.max(out.newest ?? -Infinity, Number(r.newest));
  }
  return out;
}

/**
 * Rows per segment id of the (filtered) source in one scan: keys.length + 1
 * counts, the last one the rows of no named key.
 */
export async function countSegmentIds(conn: DuckDBConnection, source: Source, segments: Segments, filter: TimeFilter | null): Promise<number[]> {
  const w = where(source, filter);
  const seg = segmentIdSql(segments, 2 + w.params.length);
  const sql = `SELECT ${seg.sql} AS s, count(*)::BIGINT AS n FROM ${source.from} WHERE ${w.sql} GROUP BY ALL`;
  const out = new Array<number>(segments.keys.length + 1).fill(0);
  for (const r of await query(conn, source, sql, [...w.params, ...seg.params])) out[Number(r.s)] = Number(r.n);
  return out;
}

/** Prefix sums of the rows per segment id: segment s's rows are [bounds[s], bounds[s + 1]) (SegmentFill's layout). */
export function segmentBounds(rows: readonly number[]): number[] {
  const bounds = [0];
  for (const n of rows) bounds.push(bounds[bounds.length - 1] + n);
  return bounds;
}

/**
 * Row-sized columns filled from a segmented scan's chunks (streamNumeric with
 * segments: the ids come last), each row at its segment's next place, so
 * that segment s's rows are [bounds[s], bounds[s + 1]) in scan order: the
 * values arrive grouped, with no pass to group them. Each row's place is
 * recorded: a later scan of the same rows (DuckDB keeps a scan's row order,
 * preserve_insertion_order) reads no ids, and is filled from `places`.
 */
export class SegmentFill {
  /** The next place of each segment. */
  private readonly at: Int32Array;
  /** Row i of the scans goes to places[i]. */
  readonly places: Int32Array;
  private readonly replay: boolean;
  /** Rows placed so far. */
  rows = 0;

  /**
   * @param bounds prefix sums of the rows per segment id (counted before the scan)
   * @param places a first scan's `places`: this scan's chunks come without ids
   */
  constructor(
    readonly columns: Float64Array[],
    readonly bounds: readonly number[],
    places: Int32Array | null = null,
  ) {
    this.at = Int32Array.from(bounds.slice(0, -1));
    this.replay = places !== null;
    this.places = places ?? new Int32Array(bounds[bounds.length - 1]);
  }

  /** Places a chunk's rows; false when there are more rows, or more of a segment, than were counted (the fill is then of no use). */
  add(values: readonly Float64Array[], count: number): boolean {
    const { at, bounds, places } = this;
    const row = this.rows;
    if (row + count > places.length) return false;
    if (!this.replay) {
      const ids = values[this.columns.length];
      for (let r = 0; r < count; r++) {
        const s = ids[r];
        // Also false for an id beyond the counted segments.
        if (!(at[s] < bounds[s + 1])) return false;
        places[row + r] = at[s]++;
      }
    }
    for (let c = 0; c < this.columns.length; c++) {
      const to = this.columns[c];
      const from = values[c];
      for (let r = 0; r < count; r++) to[places[row + r]] = from[r];
    }
    this.rows += count;
    return true;
  }

  /** The first segment id with fewer rows placed than counted, or −1; a later scan's: 0 unless every row was placed. */
  short(): number {
    if (this.replay) return this.rows === this.places.length ? -1 : 0;
    for (let s = 0; s < this.at.length; s++) if (this.at[s] !== this.bounds[s + 1]) return s;
    return -1;
  }

  /** Rows placed in segment s (a later scan's: every row it placed). */
  placed(s: number): number {
    return this.replay ? this.rows : this.at[s] - this.bounds[s];
  }
}

/**
 * One chunk of numeric columns as DOUBLE: `values[c]` holds column c's first
 * `count` rows, NULL as NaN (NaN and ±Infinity pass through as they are),
 * reused for the next chunk. A returned promise holds the next chunk back
 * until it settles.
 */
export type NumericChunkHandler = (values: readonly Float64Array[], count: number) => void | Promise<void>;

/**
 * Columns one numeric scan reads at most: DuckDB holds a row group of each
 * column a scan reads, so a wide source is read in narrower scans (the
 * baseline profile's and the window's).
 */
export const MAX_SCAN_COLUMNS = 32;

/** Where a chunk's values of one column go: `array`, from `at` on. */
export interface Slot {
  array: Float64Array;
  at: number;
}

/** Where each column of the next chunk of `count` rows goes (index: the scan's column); a column without a slot comes in a reused array. */
export type Place = (count: number) => readonly (Slot | undefined)[];

/** A Place for row-sized arrays (one per column): each chunk goes to its rows' places while they fit. */
export function inRows(arrays: readonly Float64Array[]): Place {
  const capacity = Math.min(...arrays.map((a) => a.length));
  let rows = 0;
  return (count) => {
    const at = rows;
    rows += count;
    return at + count <= capacity ? arrays.map((array) => ({ array, at })) : [];
  };
}

/**
 * Streams numeric columns of the (filtered) source through `onChunk` in one
 * scan and returns the number of rows read. Memory is a few chunks, whatever
 * the number of rows. With `place`, each chunk's columns are read straight to
 * where it says (saving a copy of every value), and `onChunk` sees views of
 * them; the others come in reused arrays.
 * DuckDB's errors are wrapped to name the source; `onChunk`'s own errors pass
 * through as they are.
 */
export async function streamNumeric(
  conn: DuckDBConnection,
  source: Source,
  columns: readonly string[],
  filter: TimeFilter | null,
  onChunk: NumericChunkHandler,
  opts: { segments?: Segments | null; place?: Place } = {},
): Promise<number> {
  const w = where(source, filter);
  const exprs = columns.map((c) => `${ident(c)}::DOUBLE`);
  // With segments, each row's segment id comes last, in the same scan.
  const seg = opts.segments ? segmentIdSql(opts.segments, 2 + w.params.length) : null;
  if (seg) exprs.push(`(${seg.sql})::DOUBLE`);
  const sql = `SELECT ${exprs.join(', ')} FROM ${source.from} WHERE ${w.sql}`;
  const params = [source.list, ...w.params, ...(seg?.params ?? [])];
  const values = exprs.map(() => new Float64Array(CHUNK_ROWS));
  const seen: Float64Array[] = values.slice();
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
    const doubles = new DoubleColumns();
    await forEachChunk(conn, sql, params, (chunk) => {
      const count = chunk.rowCount;
      let slots: readonly (Slot | undefined)[] = [];
      try {
        slots = opts.place?.(count) ?? [];
      } catch (err) {
        handlerFailed = true;
        throw err;
      }
      for (let c = 0; c < exprs.length; c++) {
        const slot = slots[c];
        if (slot) {
          doubles.read(chunk, c, count, slot.array, slot.at);
          seen[c] = slot.array.subarray(slot.at, slot.at + count);
        } else {
          doubles.read(chunk, c, count, values[c]);
          seen[c] = values[c];
        }
      }
      rows += count;
      let pending: void | Promise<void>;
      try {
        pending = onChunk(seen, count);
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

/** Per categorical column: non-missing rows per category, and NULL rows; with segments, also per segment id. */
export interface CategoryColumn {
  counts: CategoryCounts;
  missing: number;
  segments?: { counts: CategoryCounts; missing: number }[];
}

/**
 * categoryCountsAll, started now for local files: on the side connection,
 * it runs beside whatever `conn` streams meanwhile. A remote source's count
 * starts at the first call of the function returned, on `conn` (which holds
 * its secrets): call it only once `conn` streams nothing, as a query on a
 * connection ends the result still streaming there.
 */
export function countCategoriesAhead(...args: Parameters<typeof categoryCountsAll>): () => ReturnType<typeof categoryCountsAll> {
  if (args[1].remote) return () => categoryCountsAll(...args);
  const counting = categoryCountsAll(...args);
  counting.catch(() => undefined);
  return () => counting;
}

/**
 * Counts per category of several columns in one scan (GROUPING SETS), NULLs
 * counted as missing. With segments, each set also groups by the segment
 * id, and a column's whole counts are the sums of its segments'. Local files
 * are counted on the side connection (see countCategoriesAhead).
 */
export async function categoryCountsAll(
  conn: DuckDBConnection,
  source: Source,
  columns: readonly string[],
  filter: TimeFilter | null,
  opts: { segments?: Segments | null } = {},
): Promise<Map<string, CategoryColumn>> {
  const segments = opts.segments ?? null;
  const fresh = (): CategoryColumn => ({
    counts: new Map(),
    missing: 0,
    ...(segments ? { segments: Array.from({ length: segments.keys.length + 1 }, () => ({ counts: new Map(), missing: 0 })) } : {}),
  });
  const out = new Map<string, CategoryColumn>(columns.map((c) => [c, fresh()]));
  if (columns.length === 0) return out;
  if (columns.length > GROUPING_MAX) {
    // grouping_id is a bitmask over the columns: keep it well inside 32 bits.
    for (let at = 0; at < columns.length; at += GROUPING_MAX) {
      for (const [c, v] of await categoryCountsAll(conn, source, columns.slice(at, at + GROUPING_MAX), filter, opts)) out.set(c, v);
    }
    return out;
  }
  const w = where(source, filter);
  const seg = segments ? segmentIdSql(segments, 2 + w.params.length) : null;
  const aliases = columns.map((_, i) => `v${i}`);
  // grouping_id has bit (columns.length − 1 − i) clear for the set that groups column i.
  const sets = aliases.map((a) => (seg ? `(s, ${a})` : `(${a})`)).join(', ');
  const sql = `SELECT grouping_id(${aliases.join(', ')})::BIGINT AS g, ${aliases.join(', ')}${seg ? ', s' : ''}, count(*)::BIGINT AS n
    FROM (SELECT ${columns.map((c, i) => `${ident(c)}::VARCHAR AS v${i}`).join(', ')}${seg ? `, ${seg.sql} AS s` : ''} FROM ${source.from} WHERE ${w.sql})
    GROUP BY GROUPING SETS (${sets})`;
  const on = source.remote ? conn : await sideConnection(conn);
  for (const r of await query(on, source, sql, [...w.params, ...(seg?.params ?? [])])) {
    const g = Number(r.g);
    const i = columns.findIndex((_, k) => (g & (1 << (columns.length - 1 - k))) === 0);
    const col = out.get(columns[i])!;
    const v = r[`v${i}`];
    const n = Number(r.n);
    const part = col.segments?.[Number(r.s)];
    if (v === null || v === undefined) {
      col.missing += n;
      if (part) part.missing += n;
    } else {
      const text = String(v);
      col.counts.set(text, (col.counts.get(text) ?? 0) + n);
      part?.counts.set(text, n);
    }
  }
  return out;
}
