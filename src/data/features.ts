import type { DuckDBConnection } from '@duckdb/node-api';
import { doubles, ident } from './duck.js';
import { DataSourceError, query, sourceError, type Source } from './source.js';

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
}

/** The non-missing values of a numeric feature, ascending. */
export type NumericValues = Float64Array;
/** Non-missing rows per category of a categorical feature. */
export type CategoryCounts = Map<string, number>;

/** The WHERE clause (and its parameters, which follow the source pattern $1) for a time filter. */
function where(source: Source, filter: TimeFilter | null): { sql: string; params: string[] } {
  if (!filter) return { sql: 'TRUE', params: [] };
  const col = source.columns.get(filter.column);
  if (!col) {
    throw new DataSourceError(`${source.role} ${source.spec}: timestamp column "${filter.column}" not found; columns: ${[...source.columns.keys()].join(', ')}`);
  }
  if (col.kind !== 'timestamp') {
    throw new DataSourceError(`${source.role} ${source.spec}: timestamp column "${filter.column}" has type ${col.sqlType}; expected TIMESTAMP, TIMESTAMP WITH TIME ZONE or DATE`);
  }
  // Zone-less timestamps are read as UTC; zoned ones compare as instants.
  const zoned = col.sqlType.includes('TIME ZONE');
  const fmt = (d: Date) => (zoned ? d.toISOString() : d.toISOString().replace('T', ' ').replace('Z', ''));
  const cast = zoned ? 'TIMESTAMPTZ' : 'TIMESTAMP';
  const c = col.sqlType === 'DATE' ? `${ident(col.name)}::TIMESTAMP` : ident(col.name);
  return { sql: `${c} > $2::${cast} AND ${c} <= $3::${cast}`, params: [fmt(filter.start), fmt(filter.end)] };
}

/** Row count and per-feature missing counts, in one scan. */
export async function countRows(conn: DuckDBConnection, source: Source, features: readonly FeatureColumn[], filter: TimeFilter | null): Promise<Counts> {
  const w = where(source, filter);
  const missingExprs = features.map((f, i) => {
    const c = ident(f.name);
    const bad = f.type === 'numeric' ? `${c} IS NULL OR NOT isfinite(${c}::DOUBLE)` : `${c} IS NULL`;
    return `count(*) FILTER (WHERE ${bad})::BIGINT AS m${i}`;
  });
  const sql = `SELECT count(*)::BIGINT AS n${missingExprs.map((e) => `, ${e}`).join('')} FROM ${source.from} WHERE ${w.sql}`;
  const [r] = await query(conn, source, sql, w.params);
  const missing = new Map<string, number>();
  features.forEach((f, i) => missing.set(f.name, Number(r[`m${i}`])));
  return { rows: Number(r.n), missing };
}

/** The finite values of a numeric feature, sorted by DuckDB and streamed into a typed array. */
export async function numericValues(conn: DuckDBConnection, source: Source, column: string, filter: TimeFilter | null, expected: number): Promise<NumericValues> {
  const w = where(source, filter);
  const c = ident(column);
  const sql = `SELECT ${c}::DOUBLE FROM ${source.from} WHERE ${w.sql} AND ${c} IS NOT NULL AND isfinite(${c}::DOUBLE) ORDER BY 1`;
  try {
    return await doubles(conn, sql, [source.pattern, ...w.params], expected);
  } catch (err) {
    throw sourceError(source, err);
  }
}

/** Non-missing rows per category, grouped by DuckDB. */
export async function categoryCounts(conn: DuckDBConnection, source: Source, column: string, filter: TimeFilter | null): Promise<CategoryCounts> {
  const w = where(source, filter);
  const c = ident(column);
  const sql = `SELECT ${c}::VARCHAR AS v, count(*)::BIGINT AS n FROM ${source.from} WHERE ${w.sql} AND ${c} IS NOT NULL GROUP BY 1`;
  const out = new Map<string, number>();
  for (const r of await query(conn, source, sql, w.params)) out.set(String(r.v), Number(r.n));
  return out;
}
